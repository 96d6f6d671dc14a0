//! Address lookup tables: the venue's table is created and extended through the
//! address-lookup-table program exactly as `bulwark_sdk::lookup` encodes it, and an increase
//! by an account with eight positions (the traded market's refresh, seven more, the trade)
//! lands as a v0 transaction through it; with every market on its own oracle accounts that
//! transaction is over a legacy packet and fits only with the table.

use anchor_lang::prelude::Pubkey;
use bulwark_keeper::rpc_chain::{compile, lookup_table_addresses};
use bulwark_sdk::lookup;
use bulwark_sdk::wallet::{self, Acting, Now, Venue};
use bulwark_tests::*;
use solana_sdk::hash::Hash;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::signature::{Keypair, Signer};

const MARKETS: u16 = 8;

/// Eight markets priced by SOL-PERP's feeds, caps raised, a pool, every market refreshed.
async fn eight_market_venue() -> World {
    let mut w = World::with_sol_market().await;
    for i in 1..MARKETS {
        w.create_market_like_sol(i, |_| {}).await.unwrap();
    }
    for i in 0..MARKETS {
        w.set_open_interest_caps_directly(i, 100_000 * SOL as u64, 100_000 * SOL as u64)
            .await;
    }
    let lp = w.participant(2_000_000 * USDC).await;
    w.refresh(150 * USD).await;
    w.pool_deposit(&lp, 1_000_000 * USDC).await.unwrap();
    w.refresh(150 * USD).await;
    w
}

#[tokio::test]
async fn the_venue_table_is_built_on_chain_and_an_eight_position_increase_lands_through_it() {
    let mut w = eight_market_venue().await;
    let t = trader(&mut w, 20_000 * USDC).await;
    for i in 0..MARKETS {
        w.trade_in(&t, i, SOL, 152 * PRICE).await.unwrap();
    }
    // The table, authority and payer the bank's payer, created at the last slot.
    let payer = w.bank.payer().pubkey();
    let slot = w.bank.clock().await.slot;
    let (create, table) = lookup::create(payer, payer, slot - 1);
    w.bank.send(&[create], &[]).await.unwrap();
    let (ex, markets) = venue_state(&mut w).await;
    let addresses = lookup::venue_addresses(&ex, &markets).unwrap();
    for extend in lookup::extend(table, payer, payer, &addresses) {
        w.bank.send(&[extend], &[]).await.unwrap();
    }
    // Addresses are usable from the slot after they were added.
    w.bank.advance(1, 1).await;
    let stored = lookup_table_addresses(&w.bank.account(&table).await.unwrap().data).unwrap();
    assert_eq!(stored, addresses);

    // New prices published this slot; the increase's refreshes pick them up.
    w.publish_all(150 * USD, USD).await;
    let ixs = built_trade(&mut w, &t, 0, SOL, 160 * PRICE).await;
    assert_eq!(ixs.len(), 9, "eight refreshes and the trade");
    let tables = [AddressLookupTableAccount {
        key: table,
        addresses: stored,
    }];
    w.bank
        .send_with_tables(&ixs, &[&t.key], &tables)
        .await
        .unwrap();
    assert_eq!(w.margin(&t.margin).await.positions[0].base, 2 * SOL);
}

#[test]
fn with_its_own_oracles_per_market_the_increase_needs_the_table() {
    // Markets as a real venue lists them: each on its own three oracle accounts.
    let mut markets: Vec<bulwark::state::Market> = Vec::new();
    for i in 0..MARKETS {
        let mut m: bulwark::state::Market = anchor_lang::__private::bytemuck::Zeroable::zeroed();
        m.index = i;
        m.oracle.num_sources = 3;
        for s in 0..3 {
            m.oracle.sources[s].account = Pubkey::new_unique();
        }
        markets.push(m);
    }
    let mut ex: bulwark::state::Exchange = anchor_lang::__private::bytemuck::Zeroable::zeroed();
    ex.market_count = MARKETS;
    ex.collateral_oracle.num_sources = 2;
    for s in 0..2 {
        ex.collateral_oracle.sources[s].account = Pubkey::new_unique();
    }
    let mut account: bulwark::state::MarginAccount =
        anchor_lang::__private::bytemuck::Zeroable::zeroed();
    for i in 0..MARKETS {
        account.positions[i as usize].market_index = i;
        account.positions[i as usize].base = SOL;
    }
    let owner = Keypair::new();
    let v = Venue {
        exchange: &ex,
        markets: &markets,
    };
    let who = Acting {
        signer: owner.pubkey(),
        margin: Pubkey::new_unique(),
        account: &account,
    };
    let now = Now {
        slot: 1_000,
        unix_timestamp: 1_000,
    };
    let ixs = wallet::trade(&v, &who, 0, SOL, 160 * PRICE, now).unwrap();
    let refused = compile(&owner, &ixs, &[], Hash::default()).unwrap_err();
    assert!(refused.contains("lookup table"), "{refused}");
    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: lookup::venue_addresses(&ex, &markets).unwrap(),
    };
    compile(&owner, &ixs, &[table], Hash::default()).unwrap();
}

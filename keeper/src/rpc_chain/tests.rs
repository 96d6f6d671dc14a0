//! The RPC chain's pure parts: priority prices, compute limits, packing sizes, lookup tables.
use super::*;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::message::VersionedMessage;

#[test]
fn percentile_fee_rounds_up_the_rank_and_respects_the_cap() {
    let p = PriorityFee::Percentile {
        percentile: 75,
        max: 1_000,
    };
    assert_eq!(p.price(&[]), 0);
    assert_eq!(p.price(&[40, 10, 30, 20, 50]), 40);
    assert_eq!(p.price(&[10, 5_000]), 1_000);
    assert_eq!(PriorityFee::Fixed(7).price(&[1, 2, 3]), 7);
}

#[test]
fn an_expired_transaction_is_repriced_upwards_under_the_cap() {
    let p = PriorityFee::Percentile {
        percentile: 75,
        max: 5_000,
    };
    assert_eq!(p.escalate(0), 1_000);
    assert_eq!(p.escalate(1_500), 3_000);
    assert_eq!(p.escalate(4_000), 5_000);
    assert_eq!(PriorityFee::Fixed(7).escalate(7), 7);
}

#[test]
fn the_packing_estimate_is_the_compiled_legacy_size_to_the_byte() {
    use anchor_lang::solana_program::instruction::AccountMeta;
    let payer = Keypair::new();
    let shared = Pubkey::new_unique();
    for n in [1usize, 3, 7] {
        let ixs: Vec<Instruction> = (0..n)
            .map(|i| Instruction {
                program_id: bulwark::ID,
                accounts: vec![
                    AccountMeta::new(payer.pubkey(), true),
                    AccountMeta::new(shared, false),
                    AccountMeta::new_readonly(Pubkey::new_unique(), false),
                ],
                data: vec![0; 8 + i],
            })
            .collect();
        let mut all = vec![
            ComputeBudgetInstruction::set_compute_unit_limit(MAX_COMPUTE_UNITS),
            ComputeBudgetInstruction::set_compute_unit_price(1),
        ];
        all.extend_from_slice(&ixs);
        let tx = compile(&payer, &all, &[], Hash::default()).unwrap();
        let shape = crate::packing::legacy_shape(&payer.pubkey(), &ixs);
        assert_eq!(
            shape.bytes,
            serialized_len(&tx).unwrap(),
            "{n} instructions"
        );
        assert_eq!(shape.accounts, locked_accounts(&tx.message));
    }
}

#[test]
fn the_distinct_limit_never_drops_below_the_simulated_units() {
    assert_eq!(distinct_limit(1_000, Some(1_000), 5), 1_005);
    assert_eq!(
        distinct_limit(MAX_COMPUTE_UNITS, Some(1_399_990), 30),
        1_399_990
    );
    assert_eq!(
        distinct_limit(MAX_COMPUTE_UNITS, Some(10), 30),
        MAX_COMPUTE_UNITS - 30
    );
}

#[test]
fn compute_limit_adds_the_margin_rounded_up_and_stops_at_the_ceiling() {
    let s = RpcSettings::default();
    assert_eq!(compute_unit_limit(Some(101), &s), 122);
    assert_eq!(compute_unit_limit(Some(1_300_000), &s), MAX_COMPUTE_UNITS);
    assert_eq!(compute_unit_limit(None, &s), 400_000);
}

#[test]
fn a_transaction_too_large_for_legacy_uses_v0_with_lookup_tables() {
    let payer = Keypair::new();
    let many: Vec<Pubkey> = (0..40).map(|_| Pubkey::new_unique()).collect();
    let ix = Instruction {
        program_id: bulwark::ID,
        accounts: many
            .iter()
            .map(|k| anchor_lang::solana_program::instruction::AccountMeta::new_readonly(*k, false))
            .collect(),
        data: vec![0; 8],
    };
    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: many.clone(),
    };
    let tx = compile(&payer, std::slice::from_ref(&ix), &[table], Hash::default()).unwrap();
    assert!(matches!(tx.message, VersionedMessage::V0(_)));
    assert!(compile(&payer, &[ix], &[], Hash::default())
        .unwrap_err()
        .contains("lookup table"));
    let small = Instruction {
        program_id: bulwark::ID,
        accounts: vec![],
        data: vec![],
    };
    let tx = compile(&payer, &[small], &[], Hash::default()).unwrap();
    assert!(matches!(tx.message, VersionedMessage::Legacy(_)));
}

#[test]
fn lookup_table_addresses_follow_the_56_byte_header() {
    let k = Pubkey::new_unique();
    let mut data = vec![0u8; 56];
    data.extend_from_slice(k.as_ref());
    assert_eq!(lookup_table_addresses(&data).unwrap(), vec![k]);
    data.push(1);
    assert!(lookup_table_addresses(&data).is_err());
    assert!(lookup_table_addresses(&[0; 10]).is_err());
}

//! `bulwark governance propose` prints an instruction that, signed by governance in the real
//! program, queues exactly the proposal asked for; bad arguments are refused by name.

mod common;

use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use base64::Engine;
use bulwark_sdk::{accounts, pda};
use bulwark_testkit::world::World;
use serde_json::Value;
use solana_sdk::signature::Signer;

fn propose(args: &[&str]) -> std::process::Output {
    common::bulwark(&[&["governance", "propose"], args].concat())
}

fn instruction(v: &Value) -> Instruction {
    Instruction {
        program_id: v["program_id"].as_str().unwrap().parse().unwrap(),
        accounts: v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| AccountMeta {
                pubkey: a["pubkey"].as_str().unwrap().parse().unwrap(),
                is_signer: a["is_signer"].as_bool().unwrap(),
                is_writable: a["is_writable"].as_bool().unwrap(),
            })
            .collect(),
        data: base64::engine::general_purpose::STANDARD
            .decode(v["data_base64"].as_str().unwrap())
            .unwrap(),
    }
}

#[tokio::test]
async fn the_printed_instruction_queues_the_proposal_in_the_real_program() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    // Governance pays the proposal account's rent.
    w.bank.fund(&gov.pubkey(), 1_000_000_000).await;
    let seed = 0xB01_u64;
    let out = propose(&[
        "param",
        "--market",
        "0",
        "--param",
        "base_mmr_ppm",
        "--value",
        "30000",
        "--governance",
        &gov.pubkey().to_string(),
        "--seed",
        &seed.to_string(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["proposal"].as_str().unwrap(),
        pda::proposal(seed).0.to_string()
    );
    // Another proposal queued between drafting and the vote's execution changes nothing.
    let other = bulwark::state::ProposalAction::ClearInvariantPause;
    w.bank
        .send(
            &[bulwark_sdk::ix::queue_proposal(
                gov.pubkey(),
                gov.pubkey(),
                1,
                other,
            )],
            &[&gov],
        )
        .await
        .unwrap();
    w.bank
        .send(&[instruction(&v)], &[&gov])
        .await
        .expect("governance signs the printed instruction");
    let p = w
        .bank
        .account(&pda::proposal(seed).0)
        .await
        .expect("proposal queued");
    let p = accounts::decode::<bulwark::state::Proposal>(&p.data).unwrap();
    assert_eq!(p.kind, bulwark::state::kind::MARKET_PARAM);
    assert_eq!(p.market_index, 0);
    assert_eq!(
        p.param,
        bulwark_engine::governance::MarketParam::BaseMmr as u16
    );
    assert_eq!(p.value, 30_000);
}

#[test]
fn bad_arguments_are_refused_by_name() {
    let gov = "9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu";
    for (args, names) in [
        (
            vec!["param", "--market", "0", "--param", "bogus", "--value", "1"],
            "--param",
        ),
        (
            vec![
                "param",
                "--market",
                "0",
                "--param",
                "base_mmr_ppm",
                "--value",
                "900000",
            ],
            "--value",
        ),
        (
            vec![
                "param",
                "--market",
                "0",
                "--param",
                "base_mmr_ppm",
                "--value",
                "-5",
            ],
            "--value",
        ),
        (vec!["settle", "--market", "x"], "--market"),
    ] {
        let mut all = args.clone();
        all.extend(["--governance", gov, "--seed", "1"]);
        let out = propose(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(names),
            "{args:?}: {err}"
        );
    }
    let out = propose(&[
        "settle",
        "--market",
        "0",
        "--governance",
        "nope",
        "--seed",
        "1",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--governance"));
}

#[test]
fn without_a_seed_the_proposal_gets_a_random_one_cheapest_to_derive() {
    let gov = "9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu";
    let seeds: Vec<u64> = (0..2)
        .map(|_| {
            let out = propose(&["delist", "--market", "0", "--governance", gov, "--json"]);
            assert!(out.status.success());
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let seed = v["seed"].as_u64().unwrap();
            let (address, bump) = pda::proposal(seed);
            assert_eq!(v["proposal"].as_str().unwrap(), address.to_string());
            assert_eq!(bump, u8::MAX, "found at the first bump");
            seed
        })
        .collect();
    assert_ne!(seeds[0], seeds[1], "each draft its own address");
}

fn printed(args: &[&str]) -> Instruction {
    let out = common::bulwark(&[&["governance"], args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    instruction(&serde_json::from_slice(&out.stdout).unwrap())
}

async fn proposal_status(w: &mut World, seed: u64) -> u8 {
    let a = w.bank.account(&pda::proposal(seed).0).await.unwrap();
    accounts::decode::<bulwark::state::Proposal>(&a.data)
        .unwrap()
        .status
}

#[tokio::test]
async fn the_printed_execute_and_cancel_instructions_execute_and_cancel_in_the_real_program() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    w.bank.fund(&gov.pubkey(), 1_000_000_000).await;
    let g = gov.pubkey().to_string();
    for seed in ["7", "8"] {
        let queue = printed(&[
            "propose",
            "param",
            "--market",
            "0",
            "--param",
            "base_mmr_ppm",
            "--value",
            "30000",
            "--governance",
            &g,
            "--seed",
            seed,
        ]);
        w.bank.send(&[queue], &[&gov]).await.unwrap();
    }
    // Governance cancels one.
    let cancel = printed(&["cancel", "--seed", "8", "--authority", &g]);
    w.bank.send(&[cancel], &[&gov]).await.unwrap();
    assert_eq!(
        proposal_status(&mut w, 8).await,
        bulwark::state::status::CANCELLED
    );
    // After the timelock anyone executes the other, by its seed and market.
    let timelock = w.bank.exchange().await.timelock_secs as i64;
    w.bank.advance(timelock as u64 * 3, timelock + 1).await;
    let execute = printed(&["execute", "--seed", "7", "--market", "0"]);
    assert!(
        execute.accounts.iter().all(|a| !a.is_signer),
        "permissionless"
    );
    w.bank.send(&[execute], &[]).await.unwrap();
    assert_eq!(
        proposal_status(&mut w, 7).await,
        bulwark::state::status::EXECUTED
    );
    let m = w.bank.market(0).await;
    assert_eq!(m.params.dynamics.margin.base_mmr_ppm, 30_000);
}

#[tokio::test]
async fn the_realms_and_squads_forms_carry_exactly_the_instruction_governance_executes() {
    use bulwark_sdk::dao_forms::{from_realms_instruction, from_squads_transaction_message};
    let b64 = |v: &Value, field: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(v[field].as_str().unwrap())
            .unwrap()
    };
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    w.bank.fund(&gov.pubkey(), 1_000_000_000).await;
    let g = gov.pubkey().to_string();
    let draft = |seed: &str| {
        let out = propose(&[
            "clear-invariant-pause",
            "--governance",
            &g,
            "--seed",
            seed,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    // Realms: the InstructionData the DAO stores, executed as the governance key.
    let v = draft("21");
    let realms = from_realms_instruction(&b64(&v, "realms_instruction_base64")).unwrap();
    assert_eq!(realms, instruction(&v));
    w.bank.send(&[realms], &[&gov]).await.unwrap();
    // Squads v4: the vault transaction's message, its instructions signed by the vault.
    let v = draft("22");
    let message = b64(&v, "squads_transaction_message_base64");
    let base58 = bs58::decode(v["squads_transaction_message_base58"].as_str().unwrap())
        .into_vec()
        .unwrap();
    assert_eq!(base58, message);
    let squads = from_squads_transaction_message(&message).unwrap();
    // The same program, accounts in the same order and data; as in any Solana message, a key
    // used twice carries the union of its flags.
    let original = instruction(&v);
    assert_eq!(squads.len(), 1);
    let (got, want) = (&squads[0], &original);
    assert_eq!((got.program_id, &got.data), (want.program_id, &want.data));
    for (g, o) in got.accounts.iter().zip(&want.accounts) {
        let uses = want.accounts.iter().filter(|a| a.pubkey == o.pubkey);
        let (signer, writable) = uses.fold((false, false), |f, a| {
            (f.0 || a.is_signer, f.1 || a.is_writable)
        });
        assert_eq!(
            (g.pubkey, g.is_signer, g.is_writable),
            (o.pubkey, signer, writable)
        );
    }
    assert_eq!(got.accounts.len(), want.accounts.len());
    w.bank.send(&squads, &[&gov]).await.unwrap();
    for seed in [21, 22] {
        let p = w
            .bank
            .account(&pda::proposal(seed).0)
            .await
            .expect("queued");
        let p = accounts::decode::<bulwark::state::Proposal>(&p.data).unwrap();
        assert_eq!(p.kind, bulwark::state::kind::CLEAR_INVARIANT_PAUSE);
    }
}

#[tokio::test]
async fn a_source_rotation_is_proposed_from_flags_and_queued_in_the_real_program() {
    let mut w = World::with_sol_market().await;
    let gov = w.governance.insecure_clone();
    w.bank.fund(&gov.pubkey(), 1_000_000_000).await;
    let g = gov.pubkey().to_string();
    let account = w
        .feed(bulwark_testkit::world::Feed::ChainlinkSol)
        .to_string();
    let activation = (w.bank.clock().await.slot + 10_000).to_string();
    let rotate = printed(&[
        "propose",
        "rotate-source",
        "--market",
        "0",
        "--position",
        "2",
        "--activation-slot",
        &activation,
        "--kind",
        "chainlink",
        "--account",
        &account,
        "--max-staleness-secs",
        "60",
        "--governance",
        &g,
        "--seed",
        "31",
    ]);
    w.bank.send(&[rotate], &[&gov]).await.unwrap();
    let p = w.bank.account(&pda::proposal(31).0).await.expect("queued");
    let p = accounts::decode::<bulwark::state::Proposal>(&p.data).unwrap();
    assert_eq!(p.kind, bulwark::state::kind::ROTATE_SOURCE);
    // A malformed source is refused naming the flag, before anything is printed.
    let out = propose(&[
        "rotate-source",
        "--market",
        "0",
        "--position",
        "2",
        "--activation-slot",
        "1",
        "--kind",
        "pyth",
        "--account",
        &account,
        "--feed-id",
        "zz",
        "--governance",
        &g,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--feed-id"), "{err}");
}

//! Decoders against real mainnet oracle accounts (`shared/fixtures/oracles`): every field
//! equals the independent decoder's `expected.json`, the encoder reproduces every byte, the
//! legacy Pyth push format is rejected, and Chainlink's cross prices match a hand computation.

use bulwark::oracle::pyth::VerificationLevel;
use bulwark::oracle::{chainlink, detect_kind, pyth, switchboard, DecodeError, OracleKind};
use bulwark_engine::oracle::{check_reading, to_collateral_floor, ReadingFault, SourceLimits};
use bulwark_sdk::fixtures::{oracle_fixture_dir, read_oracle_fixture};
use bulwark_sdk::oracle_accounts::{encode_chainlink, encode_pyth, encode_switchboard};
use serde_json::Value;

fn expected() -> Option<Value> {
    let bytes = read_oracle_fixture("expected.json")?;
    Some(serde_json::from_slice(&bytes).expect("expected.json parses"))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn int(v: &Value) -> i128 {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(|x| x as i128)
            .or(n.as_u64().map(|x| x as i128))
            .expect("integer"),
        Value::String(s) => s.parse().expect("decimal string"),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn every_fixture_decodes_to_the_expected_fields_and_re_encodes_byte_for_byte() {
    let Some(exp) = expected() else { return };
    let entries = exp.as_object().unwrap();
    assert_eq!(
        entries.len(),
        9,
        "fixture set changed: {}",
        oracle_fixture_dir().display()
    );
    let mut checked = 0;
    for (name, e) in entries {
        let data = read_oracle_fixture(name).expect("fixture listed in expected.json");
        assert_eq!(data.len() as i128, int(&e["len"]), "{name} len");
        match e["kind"].as_str().unwrap() {
            "pyth_price_update_v2" => check_pyth_fixture(name, e, &data),
            "switchboard_on_demand_pull_feed" => check_switchboard_fixture(name, e, &data),
            "chainlink_ocr2_feed" => check_chainlink_fixture(name, e, &data),
            "pyth_legacy_push_v2" => check_retired_pyth_fixture(name, &data),
            other => panic!("unknown kind {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// A Pyth price update (v2): every field, and the encoder reproduces it.
fn check_pyth_fixture(name: &str, e: &Value, data: &[u8]) {
    assert_eq!(detect_kind(data), Ok(OracleKind::PythPull));
    let p = pyth::decode(data).unwrap();
    assert_eq!(p.verification, VerificationLevel::Full, "{name}");
    assert_eq!(e["verification"], "Full");
    assert_eq!(
        hex(&p.feed_id),
        e["feed_id_hex"].as_str().unwrap(),
        "{name}"
    );
    assert_eq!(p.price as i128, int(&e["price"]), "{name}");
    assert_eq!(p.conf as i128, int(&e["conf"]), "{name}");
    assert_eq!(p.exponent as i128, int(&e["exponent"]), "{name}");
    assert_eq!(p.publish_time as i128, int(&e["publish_time"]), "{name}");
    assert_eq!(
        p.prev_publish_time as i128,
        int(&e["prev_publish_time"]),
        "{name}"
    );
    assert_eq!(p.ema_price as i128, int(&e["ema_price"]), "{name}");
    assert_eq!(p.ema_conf as i128, int(&e["ema_conf"]), "{name}");
    assert_eq!(p.posted_slot as i128, int(&e["posted_slot"]), "{name}");
    assert_eq!(encode_pyth(&p), data, "{name} re-encodes");
}

/// A Switchboard On-Demand pull feed: every field, the encoder reproduces it, and the
/// on-chain reader agrees.
fn check_switchboard_fixture(name: &str, e: &Value, data: &[u8]) {
    assert_eq!(detect_kind(data), Ok(OracleKind::SwitchboardOnDemand));
    let f = switchboard::decode(data).unwrap();
    let r = &f.result;
    assert_eq!(hex(&f.feed_hash), e["feed_hash_hex"].as_str().unwrap());
    assert_eq!(r.value, int(&e["result_value_1e18"]));
    assert_eq!(r.std_dev, int(&e["result_std_dev_1e18"]));
    assert_eq!(r.mean, int(&e["result_mean_1e18"]));
    assert_eq!(r.range, int(&e["result_range_1e18"]));
    assert_eq!(r.min_value, int(&e["result_min_1e18"]));
    assert_eq!(r.max_value, int(&e["result_max_1e18"]));
    assert_eq!(r.num_samples as i128, int(&e["result_num_samples"]));
    assert_eq!(r.slot as i128, int(&e["result_slot"]));
    assert_eq!(f.max_staleness as i128, int(&e["max_staleness_slots"]));
    assert_eq!(
        f.last_update_timestamp as i128,
        int(&e["last_update_timestamp"])
    );
    assert_eq!(f.min_responses as i128, int(&e["min_responses"]));
    assert_eq!(encode_switchboard(&f), data, "{name} re-encodes");
    // The on-chain fixed-offset reader agrees with the full decoder.
    assert_eq!(
        switchboard::observe(data, &f.feed_hash),
        Ok(f.observation())
    );
}

/// A Chainlink OCR2 feed: every field, and the encoder reproduces it.
fn check_chainlink_fixture(name: &str, e: &Value, data: &[u8]) {
    assert_eq!(detect_kind(data), Ok(OracleKind::Chainlink));
    let t = chainlink::decode(data).unwrap();
    assert_eq!(t.version as i128, int(&e["version"]), "{name}");
    assert_eq!(t.decimals as i128, int(&e["decimals"]), "{name}");
    assert_eq!(
        t.latest_round_id as i128,
        int(&e["latest_round_id"]),
        "{name}"
    );
    assert_eq!(t.live_length as i128, int(&e["live_length"]), "{name}");
    assert_eq!(t.latest.slot as i128, int(&e["slot"]), "{name}");
    assert_eq!(t.latest.timestamp as i128, int(&e["timestamp"]), "{name}");
    assert_eq!(t.latest.answer, int(&e["answer"]), "{name}");
    assert_eq!(encode_chainlink(&t), data, "{name} re-encodes");
}

/// A legacy Pyth push account: refused as retired by detection, decoding and reading.
fn check_retired_pyth_fixture(name: &str, data: &[u8]) {
    assert_eq!(
        detect_kind(data),
        Err(DecodeError::RetiredPythPush),
        "{name}"
    );
    assert_eq!(pyth::decode(data), Err(DecodeError::RetiredPythPush));
    assert_eq!(
        pyth::observe(data, &[0; 32]),
        Err(ReadingFault::RetiredFormat)
    );
}

#[test]
fn a_pyth_update_with_partial_verification_decodes_but_is_an_invalid_reading() {
    let Some(data) = read_oracle_fixture("pyth_sol_usd_marginfi.bin") else {
        return;
    };
    let mut p = pyth::decode(&data).unwrap();
    p.verification = VerificationLevel::Partial { num_signatures: 5 };
    let bytes = encode_pyth(&p);
    assert_eq!(bytes.len(), 134, "Partial fills the account");
    assert_ne!(
        bytes[40..],
        data[40..],
        "every later field moved by one byte"
    );
    let back = pyth::decode(&bytes).unwrap();
    assert_eq!(back, p, "and still decodes");
    let limits = SourceLimits {
        max_staleness_secs: 60,
        max_staleness_slots: 150,
        max_conf_ppm: 20_000,
        conf_floor_ppm: 0,
        future_tolerance_secs: 5,
    };
    let r = check_reading(
        &back.observation(),
        &limits,
        0,
        p.publish_time,
        p.posted_slot,
    );
    assert_eq!(r, Err(ReadingFault::PartialVerification));
}

fn chainlink_limits() -> SourceLimits {
    SourceLimits {
        max_staleness_secs: 120,
        max_staleness_slots: 300,
        max_conf_ppm: 20_000,
        conf_floor_ppm: 1_000,
        future_tolerance_secs: 5,
    }
}

#[test]
fn a_chainlink_feed_with_no_rounds_is_an_invalid_reading() {
    let Some(data) = read_oracle_fixture("chainlink_sol_usd_krunch.bin") else {
        return;
    };
    let mut t = chainlink::decode(&data).unwrap();
    t.latest_round_id = 0;
    let obs = chainlink::decode(&encode_chainlink(&t))
        .unwrap()
        .observation();
    let r = check_reading(
        &obs,
        &chainlink_limits(),
        0,
        t.latest.timestamp as i64,
        t.latest.slot,
    );
    assert_eq!(r, Err(ReadingFault::NoData));
}

#[test]
fn a_stale_chainlink_feed_is_an_invalid_reading() {
    let Some(data) = read_oracle_fixture("chainlink_sol_usd_krunch.bin") else {
        return;
    };
    let t = chainlink::decode(&data).unwrap();
    let obs = t.observation();
    let ts = t.latest.timestamp as i64;
    // Fresh at its own time; the confidence floor (0.1%) stands in for the missing confidence.
    let fresh = check_reading(&obs, &chainlink_limits(), 0, ts + 120, t.latest.slot + 300).unwrap();
    assert_eq!(fresh.reading.price, 97_500_783_720);
    assert_eq!(fresh.reading.conf, 97_500_784);
    // One second or one slot past the limits: stale.
    assert_eq!(
        check_reading(&obs, &chainlink_limits(), 0, ts + 121, t.latest.slot),
        Err(ReadingFault::StaleTime)
    );
    assert_eq!(
        check_reading(&obs, &chainlink_limits(), 0, ts, t.latest.slot + 301),
        Err(ReadingFault::StaleSlot)
    );
}

#[test]
fn chainlink_btc_over_usdc_from_the_same_minute_equals_a_hand_computation() {
    let (Some(btc), Some(usdc)) = (
        read_oracle_fixture("chainlink_btc_usd_krunch.bin"),
        read_oracle_fixture("chainlink_usdc_usd_krunch.bin"),
    ) else {
        return;
    };
    let btc = chainlink::decode(&btc).unwrap();
    let usdc = chainlink::decode(&usdc).unwrap();
    let now = btc.latest.timestamp.max(usdc.latest.timestamp) as i64;
    let slot = btc.latest.slot.max(usdc.latest.slot);
    let b = check_reading(&btc.observation(), &chainlink_limits(), 0, now, slot)
        .unwrap()
        .reading;
    let u = check_reading(&usdc.observation(), &chainlink_limits(), 0, now, slot)
        .unwrap()
        .reading;
    // BTC 42417.54240000 USD, USDC 1.00014072 USD (8 decimals) -> 1e-9 scale.
    assert_eq!(b.price, 42_417_542_400_000);
    assert_eq!(u.price, 1_000_140_720);
    // 42417.5424 / 1.00014072 = 42411.574243272484... USDC per BTC; at 1e-9, rounded down:
    // 42_417_542_400_000 * 10^9 / 1_000_140_720 = 42_411_574_243_272.48 -> 42_411_574_243_272.
    assert_eq!(
        to_collateral_floor(b.price, u.price).unwrap(),
        42_411_574_243_272
    );
}

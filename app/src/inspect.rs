//! `bulwark inspect oracle FILE`: raw oracle bytes to JSON whose keys follow
//! `shared/fixtures/oracles/expected.json` (128-bit values as decimal strings).

use bulwark::oracle::pyth::VerificationLevel;
use bulwark::oracle::{chainlink, detect_kind, pyth, switchboard, DecodeError, OracleKind};
use bulwark_sdk::oracle_accounts::{CHAINLINK_STORE, PYTH_RECEIVER, SWITCHBOARD_ON_DEMAND};
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes `data` by its discriminator. `owner_program` is the kind's mainnet owner (a file
/// carries no owner). Legacy Pyth push accounts and unknown formats are errors.
pub fn oracle_json(data: &[u8]) -> Result<Value, DecodeError> {
    let len = data.len();
    Ok(match detect_kind(data)? {
        OracleKind::PythPull => {
            let p = pyth::decode(data)?;
            let mut v = json!({
                "kind": "pyth_price_update_v2",
                "len": len,
                "owner_program": PYTH_RECEIVER.to_string(),
                "verification": match p.verification { VerificationLevel::Full => "Full", VerificationLevel::Partial { .. } => "Partial" },
            });
            if let VerificationLevel::Partial { num_signatures } = p.verification {
                v["num_signatures"] = json!(num_signatures);
            }
            let rest = json!({
                "feed_id_hex": hex(&p.feed_id),
                "price": p.price,
                "conf": p.conf,
                "exponent": p.exponent,
                "publish_time": p.publish_time,
                "prev_publish_time": p.prev_publish_time,
                "ema_price": p.ema_price,
                "ema_conf": p.ema_conf,
                "posted_slot": p.posted_slot,
            });
            merge(v, rest)
        }
        OracleKind::SwitchboardOnDemand => {
            let f = switchboard::decode(data)?;
            let r = &f.result;
            json!({
                "kind": "switchboard_on_demand_pull_feed",
                "len": len,
                "owner_program": SWITCHBOARD_ON_DEMAND.to_string(),
                "feed_hash_hex": hex(&f.feed_hash),
                "result_value_1e18": r.value.to_string(),
                "result_std_dev_1e18": r.std_dev.to_string(),
                "result_mean_1e18": r.mean.to_string(),
                "result_range_1e18": r.range.to_string(),
                "result_min_1e18": r.min_value.to_string(),
                "result_max_1e18": r.max_value.to_string(),
                "result_num_samples": r.num_samples,
                "result_slot": r.slot,
                "max_staleness_slots": f.max_staleness,
                "last_update_timestamp": f.last_update_timestamp,
                "min_responses": f.min_responses,
            })
        }
        OracleKind::Chainlink => {
            let t = chainlink::decode(data)?;
            json!({
                "kind": "chainlink_ocr2_feed",
                "len": len,
                "owner_program": CHAINLINK_STORE.to_string(),
                "version": t.version,
                "decimals": t.decimals,
                "latest_round_id": t.latest_round_id,
                "live_length": t.live_length,
                "slot": t.latest.slot,
                "timestamp": t.latest.timestamp,
                "answer": t.latest.answer.to_string(),
            })
        }
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

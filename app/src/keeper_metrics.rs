//! The keeper's metrics in Prometheus' text format, served at `GET /metrics` when `bulwark
//! keeper run --metrics ADDR` is given: cycles, transactions landed by kind, liquidation stages landed, failures by what
//! failed them (the program error's name for a refusal), the liquidatable backlog, the price lag
//! behind the slot, the last cycle's duration and whether the keeper is stalled.

use std::sync::{Arc, Mutex};

use bulwark_keeper::CycleReport;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Label sets: a transaction kind, a failure's cause.
type Labels = Vec<(String, String)>;

/// The keeper's metrics, shared between the loop and the server.
#[derive(Clone)]
pub struct KeeperMetrics {
    registry: Arc<Mutex<Registry>>,
    cycles: Counter,
    landed: Family<Labels, Counter>,
    stages: Counter,
    failures: Family<Labels, Counter>,
    liquidatable: Gauge,
    price_lag_slots: Gauge,
    cycle_ms: Gauge,
    stalled: Gauge,
}

impl Default for KeeperMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("bulwark_keeper");
        let m = KeeperMetrics {
            registry: Arc::new(Mutex::new(Registry::default())),
            cycles: Counter::default(),
            landed: Family::default(),
            stages: Counter::default(),
            failures: Family::default(),
            liquidatable: Gauge::default(),
            price_lag_slots: Gauge::default(),
            cycle_ms: Gauge::default(),
            stalled: Gauge::default(),
        };
        registry.register("cycles", "Keeper cycles run", m.cycles.clone());
        registry.register(
            "transactions_landed",
            "Transactions that landed, by kind",
            m.landed.clone(),
        );
        registry.register(
            "liquidation_stages",
            "Liquidation stages that landed (several may share one transaction)",
            m.stages.clone(),
        );
        registry.register(
            "failures",
            "Failed calls, by program error name or transaction/transport/account",
            m.failures.clone(),
        );
        registry.register(
            "liquidatable_accounts",
            "Accounts below maintenance in the last cycle (the backlog)",
            m.liquidatable.clone(),
        );
        registry.register(
            "price_lag_slots",
            "How far the oldest trading market's stored price was behind the slot",
            m.price_lag_slots.clone(),
        );
        registry.register(
            "cycle_milliseconds",
            "The last cycle's duration",
            m.cycle_ms.clone(),
        );
        registry.register(
            "stalled",
            "1 while cycles stall (no chain, or nothing sent landed)",
            m.stalled.clone(),
        );
        *m.registry.lock().expect("metrics lock") = registry;
        m
    }
}

impl KeeperMetrics {
    /// Counts one cycle that took `cycle_ms` and whether it stalled.
    pub fn observe(&self, r: &CycleReport, cycle_ms: u64, stalled: bool) {
        self.cycles.inc();
        let kinds = [
            ("update_risk", r.markets_refreshed),
            ("check_insurance_breaker", r.breaker_checks),
            ("liquidation", r.liquidation_transactions),
            ("resolve_bankruptcy", r.bankruptcies_resolved),
            ("auto_deleverage", r.deleverages),
            ("settle_position", r.positions_settled),
            ("sweep", r.sweeps),
        ];
        for (kind, n) in kinds {
            let labels = vec![("kind".to_string(), kind.to_string())];
            self.landed.get_or_create(&labels).inc_by(u64::from(n));
        }
        self.stages.inc_by(u64::from(r.liquidation_stages));
        for (error, n) in &r.failures_by_error {
            let labels = vec![("error".to_string(), error.clone())];
            self.failures.get_or_create(&labels).inc_by(u64::from(*n));
        }
        self.liquidatable.set(i64::from(r.liquidatable));
        self.price_lag_slots
            .set(i64::try_from(r.price_lag_slots).unwrap_or(i64::MAX));
        self.cycle_ms
            .set(i64::try_from(cycle_ms).unwrap_or(i64::MAX));
        self.stalled.set(i64::from(stalled));
    }

    /// Everything, in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().expect("metrics lock");
        encode(&mut out, &registry).expect("writing to a String cannot fail");
        out
    }

    /// Serves `GET /metrics` on `addr` until the process ends.
    pub async fn serve(self, addr: std::net::SocketAddr) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("metrics: cannot listen on {addr}: {e}"))?;
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let m = self.clone();
                async move { ([("content-type", "text/plain; version=0.0.4")], m.render()) }
            }),
        );
        tracing::info!(%addr, "metrics at /metrics");
        axum::serve(listener, app)
            .await
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_counted_by_kind_and_its_failures_by_program_error() {
        let m = KeeperMetrics::default();
        let mut r = CycleReport {
            liquidation_stages: 3,
            liquidation_transactions: 2,
            liquidatable: 5,
            price_lag_slots: 12,
            ..Default::default()
        };
        r.fail(
            "liquidate x".into(),
            bulwark_keeper::ChainError::Program { code: 6602 },
        );
        m.observe(&r, 40, false);
        m.observe(&r, 30, true);
        let text = m.render();
        for line in [
            "bulwark_keeper_cycles_total 2",
            "bulwark_keeper_transactions_landed_total{kind=\"liquidation\"} 4",
            "bulwark_keeper_liquidation_stages_total 6",
            "bulwark_keeper_failures_total{error=\"SelfLiquidation\"} 2",
            "bulwark_keeper_liquidatable_accounts 5",
            "bulwark_keeper_price_lag_slots 12",
            "bulwark_keeper_cycle_milliseconds 30",
            "bulwark_keeper_stalled 1",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }

    #[tokio::test]
    async fn the_endpoint_serves_the_text_format() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let m = KeeperMetrics::default();
        m.observe(&CycleReport::default(), 1, false);
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        tokio::spawn(m.serve(addr));
        let mut body = String::new();
        for _ in 0..50 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(addr).await {
                s.write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
                    .await
                    .unwrap();
                s.read_to_string(&mut body).await.unwrap();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            body.starts_with("HTTP/1.0 200") || body.starts_with("HTTP/1.1 200"),
            "{body}"
        );
        assert!(body.contains("bulwark_keeper_cycles_total 1"), "{body}");
    }
}

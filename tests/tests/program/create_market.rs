//! `create_market`: governance only, every parameter within the bounds table, caps at zero.

use bulwark::error::BulwarkError;
use bulwark_engine::bounds::Param;
use bulwark_engine::oracle::Validity;
use bulwark_sdk::params::PROVIDER_PYTH;
use bulwark_sdk::pda;
use bulwark_tests::*;
use solana_sdk::signature::Keypair;

async fn world_with_exchange() -> World {
    let mut w = World::new().await;
    w.initialize_exchange().await.unwrap();
    w
}

#[tokio::test]
async fn governance_lists_a_market_with_zero_open_interest_caps() {
    let mut w = world_with_exchange().await;
    let ex_before = w.bank.exchange().await;
    w.create_sol_market().await.unwrap();

    let m = w.bank.market(SOL_PERP).await;
    let args = w.sol_market_args();
    assert_eq!(m.version, 1);
    assert_eq!(m.index, SOL_PERP);
    assert_eq!(m.symbol, args.symbol);
    assert_eq!(m.oracle.num_sources, 3);
    assert_eq!(m.oracle.min_quorum, 2);
    for (i, s) in args.oracle.sources.iter().enumerate() {
        let stored = m.oracle.sources[i];
        assert_eq!(
            (
                stored.account,
                stored.owner_program,
                stored.feed_id,
                stored.kind,
                stored.provider
            ),
            (s.account, s.owner_program, s.feed_id, s.kind, s.provider)
        );
        assert_eq!(
            (
                stored.max_staleness_secs,
                stored.max_conf_ppm,
                stored.conf_floor_ppm
            ),
            (s.max_staleness_secs, s.max_conf_ppm, s.conf_floor_ppm)
        );
    }
    assert_eq!(m.params.trade.open_interest_cap_long, 0);
    assert_eq!(m.params.trade.open_interest_cap_short, 0);
    assert_eq!(m.aggregate.price, 0, "no price until the first update_risk");
    assert_eq!(Validity::from_u8(m.aggregate.validity), Validity::NoPrice);
    assert_eq!(
        m.params.oracle.twap.twap_window_secs,
        args.params.oracle.twap.twap_window_secs
    );
    assert_eq!(
        m.params.ages.max_age_liquidate_slots,
        args.params.ages.max_age_liquidate_slots
    );

    let ex = w.bank.exchange().await;
    assert_eq!(ex.market_count, 1);
    assert_eq!(
        (ex.governance, ex.guardian, ex.vault, ex.collateral_oracle),
        (
            ex_before.governance,
            ex_before.guardian,
            ex_before.vault,
            ex_before.collateral_oracle
        )
    );
}

#[tokio::test]
async fn a_signer_other_than_governance_is_refused_and_nothing_changes() {
    let mut w = world_with_exchange().await;
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::market(SOL_PERP).0]).await;
    let args = w.sol_market_args();
    let guardian = w.guardian.insecure_clone();
    assert_program_error(
        w.create_market_with(&guardian, args.clone()).await,
        BulwarkError::NotGovernance,
    );
    assert_program_error(
        w.create_market_with(&Keypair::new(), args).await,
        BulwarkError::NotGovernance,
    );
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn every_out_of_bounds_parameter_is_refused_and_nothing_changes() {
    let mut w = world_with_exchange().await;
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::market(SOL_PERP).0]).await;
    let gov = w.governance.insecure_clone();
    for (what, edit) in out_of_bounds_edits() {
        let mut args = w.sol_market_args();
        edit(&mut args);
        let result = w.create_market_with(&gov, args).await;
        let code: u32 = BulwarkError::ParameterOutOfBounds.into();
        assert_eq!(
            result.as_ref().err().and_then(custom_code),
            Some(code),
            "{what}: {result:?}"
        );
    }
    before.assert_unchanged(&mut w.bank).await;
}

/// A change to a listing's arguments.
type Edit = Box<dyn Fn(&mut bulwark::instructions::CreateMarketArgs)>;

/// One edit per bounded listing parameter, each taking it just outside its bounds: the
/// oracle side and its sources, then the risk limits.
fn out_of_bounds_edits() -> Vec<(&'static str, Edit)> {
    let mut edits = oracle_out_of_bounds_edits();
    edits.extend(risk_out_of_bounds_edits());
    edits
}

/// Just above `p`'s upper bound.
fn above(p: Param) -> u32 {
    p.bound().max as u32 + 1
}

/// Just below `p`'s lower bound.
fn below(p: Param) -> u32 {
    p.bound().min as u32 - 1
}

/// The oracle side's and its sources' parameters just outside their bounds.
fn oracle_out_of_bounds_edits() -> Vec<(&'static str, Edit)> {
    vec![
        (
            "max_deviation_ppm",
            Box::new(move |a| a.oracle.max_deviation_ppm = above(Param::OracleMaxDeviation)),
        ),
        (
            "max_divergence_ppm",
            Box::new(move |a| a.oracle.max_divergence_ppm = below(Param::OracleMaxDivergence)),
        ),
        (
            "max_aggregate_conf_ppm",
            Box::new(move |a| {
                a.oracle.max_aggregate_conf_ppm = above(Param::OracleMaxAggregateConf)
            }),
        ),
        (
            "future_tolerance_secs",
            Box::new(move |a| a.oracle.future_tolerance_secs = above(Param::FutureTolerance)),
        ),
        ("min_quorum 0", Box::new(|a| a.oracle.min_quorum = 0)),
        (
            "max_staleness_secs",
            Box::new(move |a| {
                a.oracle.sources[1].max_staleness_secs = above(Param::SourceMaxStalenessSecs)
            }),
        ),
        (
            "max_staleness_slots",
            Box::new(|a| a.oracle.sources[0].max_staleness_slots = 0),
        ),
        (
            "max_conf_ppm",
            Box::new(move |a| a.oracle.sources[2].max_conf_ppm = above(Param::SourceMaxConf)),
        ),
        (
            "conf_floor_ppm",
            Box::new(move |a| a.oracle.sources[2].conf_floor_ppm = above(Param::SourceConfFloor)),
        ),
        ("no sources", Box::new(|a| a.oracle.sources.clear())),
        (
            "five sources",
            Box::new(|a| {
                let extra: Vec<_> = (0..2)
                    .map(|_| {
                        let mut s = a.oracle.sources[0].clone();
                        s.account = anchor_lang::prelude::Pubkey::new_unique();
                        s
                    })
                    .collect();
                a.oracle.sources.extend(extra);
            }),
        ),
    ]
}

/// The risk limits just outside their bounds.
fn risk_out_of_bounds_edits() -> Vec<(&'static str, Edit)> {
    vec![
        (
            "twap_window_secs",
            Box::new(move |a| a.params.oracle.twap.twap_window_secs = below(Param::TwapWindow)),
        ),
        (
            "twap_max_step_ppm",
            Box::new(move |a| a.params.oracle.twap.twap_max_step_ppm = above(Param::TwapMaxStep)),
        ),
        (
            "max_twap_deviation_ppm",
            Box::new(move |a| {
                a.params.oracle.max_twap_deviation_ppm = below(Param::MaxTwapDeviation)
            }),
        ),
        (
            "fallback_band_ppm",
            Box::new(move |a| a.params.oracle.fallback_band_ppm = above(Param::FallbackBand)),
        ),
        (
            "max_age_for_increase_secs",
            Box::new(|a| a.params.ages.max_age_for_increase_secs = 0),
        ),
        (
            "fresh_slots",
            Box::new(move |a| a.params.ages.fresh_slots = above(Param::FreshSlots)),
        ),
        (
            "max_age_liquidate_slots",
            Box::new(move |a| {
                a.params.ages.max_age_liquidate_slots = above(Param::MaxAgeLiquidateSlots)
            }),
        ),
        (
            "max_age_reduce_slots",
            Box::new(|a| a.params.ages.max_age_reduce_slots = 0),
        ),
    ]
}

#[tokio::test]
async fn inconsistent_oracle_configurations_are_refused() {
    let mut w = world_with_exchange().await;
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::market(SOL_PERP).0]).await;
    let gov = w.governance.insecure_clone();

    // Quorum 3 but two sources share Pyth's publisher set: only two distinct providers.
    let mut args = w.sol_market_args();
    args.oracle.sources[1].provider = PROVIDER_PYTH;
    args.oracle.min_quorum = 3;
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::InvalidOracleConfig,
    );

    let mut args = w.sol_market_args();
    args.oracle.sources[0].conf_floor_ppm = args.oracle.sources[0].max_conf_ppm + 1;
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::InvalidOracleConfig,
    );

    let mut args = w.sol_market_args();
    args.params.ages.fresh_slots = 100;
    args.params.ages.max_age_liquidate_slots = 99;
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::InvalidOracleConfig,
    );

    let mut args = w.sol_market_args();
    args.oracle.sources[2].account = args.oracle.sources[0].account;
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::DuplicateOracleAccount,
    );

    let mut args = w.sol_market_args();
    args.oracle.sources[2].kind = 7;
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::InvalidOracleKind,
    );

    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn bytes_in_the_parameter_padding_are_refused_and_nothing_changes() {
    let mut w = world_with_exchange().await;
    let before = Snapshot::take(&mut w.bank, &[pda::exchange().0, pda::market(SOL_PERP).0]).await;
    let gov = w.governance.insecure_clone();
    let edits: Vec<Edit> = vec![
        Box::new(|a| a.params._padding = 1),
        Box::new(|a| a.params.trade._padding = 1),
        Box::new(|a| a.params.trade.impact._padding = 1),
        Box::new(|a| a.params.dynamics.margin._padding = 1),
        Box::new(|a| a.params.insurance._padding = 1),
        Box::new(|a| a.params.margin._padding = u32::MAX),
    ];
    for edit in edits {
        let mut args = w.sol_market_args();
        edit(&mut args);
        assert_program_error(
            w.create_market_with(&gov, args).await,
            BulwarkError::InvalidMarketParams,
        );
    }
    before.assert_unchanged(&mut w.bank).await;
}

#[tokio::test]
async fn markets_are_numbered_in_order() {
    let mut w = world_with_exchange().await;
    let gov = w.governance.insecure_clone();
    let mut args = w.sol_market_args();
    args.index = 1;
    // Index 1 before index 0 exists: the PDA is valid but the index is not the next one.
    assert_program_error(
        w.create_market_with(&gov, args).await,
        BulwarkError::MarketIndexMismatch,
    );
    w.create_sol_market().await.unwrap();
    let mut args = w.sol_market_args();
    args.index = 1;
    args.symbol = bulwark_sdk::params::symbol("SOL2-PERP");
    w.create_market_with(&gov, args).await.unwrap();
    assert_eq!(w.bank.exchange().await.market_count, 2);
    assert_eq!(w.bank.market(1).await.index, 1);
}

#[tokio::test]
async fn a_pre_funded_market_address_cannot_block_listing() {
    let mut w = world_with_exchange().await;
    w.bank.fund(&pda::market(SOL_PERP).0, 1_000_000).await;
    w.create_sol_market().await.unwrap();
    assert_eq!(w.bank.market(SOL_PERP).await.index, SOL_PERP);
    let acc = w.bank.account(&pda::market(SOL_PERP).0).await.unwrap();
    assert_eq!(acc.owner, bulwark::ID);
    assert_eq!(acc.data.len(), bulwark::state::Market::SPACE);
}

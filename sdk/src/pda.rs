//! Program-derived addresses, from the program's own seed constants.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use bulwark::constants::{
    EXCHANGE_SEED, INSURANCE_SEED, LP_SEED, MARGIN_SEED, MARKET_SEED, POOL_SEED, VAULT_SEED,
};

/// The event authority: the PDA that signs the program's self-CPI events (`emit_cpi!`);
/// every evented instruction names it and the program.
pub fn event_authority() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"__event_authority"], &bulwark::ID)
}

/// The exchange singleton.
pub fn exchange() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[EXCHANGE_SEED], &bulwark::ID)
}

/// The collateral vault token account.
pub fn vault() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT_SEED], &bulwark::ID)
}

/// Market number `index`.
pub fn market(index: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[MARKET_SEED, &index.to_le_bytes()], &bulwark::ID)
}

/// The program's ProgramData account under the upgradeable loader.
pub fn program_data() -> Pubkey {
    Pubkey::find_program_address(&[bulwark::ID.as_ref()], &bpf_loader_upgradeable::ID).0
}

/// Risk pool `index`'s liquidity pool (pool 0 is the default).
pub fn pool(index: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[POOL_SEED, &index.to_le_bytes()], &bulwark::ID)
}

/// Risk pool `index`'s insurance fund.
pub fn insurance_fund(index: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[INSURANCE_SEED, &index.to_le_bytes()], &bulwark::ID)
}

/// `owner`'s margin account number `index`.
pub fn margin_account(owner: &Pubkey, index: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[MARGIN_SEED, owner.as_ref(), &index.to_le_bytes()],
        &bulwark::ID,
    )
}

/// `owner`'s LP account in pool `pool`.
pub fn lp_account(pool: u16, owner: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[LP_SEED, &pool.to_le_bytes(), owner.as_ref()],
        &bulwark::ID,
    )
}

/// `owner`'s stake account in pool `pool`'s insurance fund.
pub fn stake_account(pool: u16, owner: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            bulwark::constants::STAKE_SEED,
            &pool.to_le_bytes(),
            owner.as_ref(),
        ],
        &bulwark::ID,
    )
}

/// The proposal the proposer seeded with `seed`.
pub fn proposal(seed: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[bulwark::constants::PROPOSAL_SEED, &seed.to_le_bytes()],
        &bulwark::ID,
    )
}

/// `owner`'s associated token account of `mint` (classic SPL Token): where wallets keep it.
pub fn associated_token_account(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    anchor_spl::associated_token::get_associated_token_address(owner, mint)
}

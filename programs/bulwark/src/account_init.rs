//! Creating program-owned PDA accounts by hand, so that an account someone pre-funded with
//! lamports (a cheap way to block an address) is still created, on every runtime: Anchor 1.2's
//! `init` relies on `create_account_allow_prefund`, which not every runtime supports.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{
    allocate, assign, create_account, transfer, Allocate, Assign, CreateAccount, Transfer,
};
use anchor_lang::{Discriminator, ZeroCopy};
use core::cell::RefMut;

use crate::error::BulwarkError;

/// True when `account` is still an empty system account (never created, maybe pre-funded).
pub fn is_uncreated(account: &AccountInfo) -> bool {
    account.owner == &anchor_lang::system_program::ID && account.data_is_empty()
}

/// Creates `target` (a PDA of `owner` signed by `seeds`) with `space` bytes, rent-exempt,
/// paid by `payer`. A pre-funded address is topped up, allocated and assigned instead.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    require!(
        is_uncreated(target),
        BulwarkError::AccountAlreadyInitialized
    );
    let rent = Rent::get()?.minimum_balance(space);
    let signer: &[&[&[u8]]] = &[seeds];
    let system = anchor_lang::system_program::ID;
    if target.lamports() == 0 {
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        return create_account(
            CpiContext::new_with_signer(system, accounts, signer),
            rent,
            space as u64,
            owner,
        );
    }
    let top_up = rent.saturating_sub(target.lamports());
    if top_up > 0 {
        transfer(
            CpiContext::new(
                system,
                Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            top_up,
        )?;
    }
    allocate(
        CpiContext::new_with_signer(
            system,
            Allocate {
                account_to_allocate: target.clone(),
            },
            signer,
        ),
        space as u64,
    )?;
    assign(
        CpiContext::new_with_signer(
            system,
            Assign {
                account_to_assign: target.clone(),
            },
            signer,
        ),
        owner,
    )
}

/// Writes `T`'s discriminator into a freshly created account and returns its zeroed body.
pub fn init_zero_copy<'a, T: ZeroCopy + Discriminator>(
    account: &'a AccountInfo,
) -> Result<RefMut<'a, T>> {
    let mut data = account.try_borrow_mut_data()?;
    let disc = T::DISCRIMINATOR;
    let size = core::mem::size_of::<T>();
    require_gte!(
        data.len(),
        disc.len() + size,
        BulwarkError::AccountAlreadyInitialized
    );
    require!(
        data[..disc.len()].iter().all(|b| *b == 0),
        BulwarkError::AccountAlreadyInitialized
    );
    data[..disc.len()].copy_from_slice(disc);
    Ok(RefMut::map(data, |d| {
        bytemuck::from_bytes_mut(&mut d[disc.len()..disc.len() + size])
    }))
}

/// Borrows an existing account of this program as `T` for writing, after checking its owner
/// and discriminator (for accounts taken as `UncheckedAccount` because they may be created in
/// the same instruction).
pub fn load_zero_copy_mut<'a, T: ZeroCopy + Discriminator>(
    account: &'a AccountInfo,
) -> Result<RefMut<'a, T>> {
    require_keys_eq!(
        *account.owner,
        crate::ID,
        ErrorCode::AccountOwnedByWrongProgram
    );
    let data = account.try_borrow_mut_data()?;
    let disc = T::DISCRIMINATOR;
    let size = core::mem::size_of::<T>();
    require_gte!(
        data.len(),
        disc.len() + size,
        ErrorCode::AccountDidNotDeserialize
    );
    require!(
        &data[..disc.len()] == disc,
        ErrorCode::AccountDiscriminatorMismatch
    );
    Ok(RefMut::map(data, |d| {
        bytemuck::from_bytes_mut(&mut d[disc.len()..disc.len() + size])
    }))
}

/// Loads a per-user PDA of type `T` for writing, creating it first (rent paid by `payer`,
/// signed by `seeds`) and running `init` on it when it does not exist yet.
pub fn load_or_create<'a, 'info, T: ZeroCopy + Discriminator>(
    payer: &AccountInfo<'info>,
    account: &'a AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
    init: impl FnOnce(&mut T),
) -> Result<RefMut<'a, T>> {
    if is_uncreated(account) {
        create_pda_account(payer, account, space, &crate::ID, seeds)?;
        init(&mut *init_zero_copy::<T>(account)?);
    }
    load_zero_copy_mut::<T>(account)
}

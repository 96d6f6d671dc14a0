//! The measurement build's entrypoint (feature `heap-report`, which turns Anchor's off): runs
//! the program as the normal entrypoint does, then logs `heap used: N`, the bytes of the
//! 32 KB heap the instruction allocated. The default bump allocator never frees, so its
//! position is the instruction's peak. Never part of a deployed build.

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::pubkey::Pubkey;

fn process_and_report_heap(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    // SAFETY: only lifetimes change; Anchor's `entry` wants the accounts' lifetime to be the
    // slice's, which the runtime's input buffer outlives.
    let accounts: &[AccountInfo] = unsafe { core::mem::transmute(accounts) };
    let result = crate::entry(program_id, accounts, data);
    anchor_lang::solana_program::msg!("heap used: {}", heap_used());
    result
}

/// Bytes the bump allocator has handed out (0 before the first allocation).
#[cfg(target_os = "solana")]
fn heap_used() -> usize {
    use anchor_lang::solana_program::entrypoint::{HEAP_LENGTH, HEAP_START_ADDRESS};
    // SAFETY: the bump allocator keeps its position in the heap's first word.
    let position = unsafe { *(HEAP_START_ADDRESS as *const usize) };
    if position == 0 {
        0
    } else {
        HEAP_START_ADDRESS as usize + HEAP_LENGTH - position
    }
}

#[cfg(not(target_os = "solana"))]
fn heap_used() -> usize {
    0
}

anchor_lang::solana_program::entrypoint!(process_and_report_heap);

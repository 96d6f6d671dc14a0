//! The forms in which a DAO carries an instruction to execute as its governance key:
//! SPL Governance (Realms) stores it as `InstructionData` (Borsh: program id, accounts with
//! their signer and writable flags, data; Realms' "custom instruction" takes it in base64), and
//! Squads v4 a vault transaction's `TransactionMessage` (its compact layout: account keys by
//! class, instructions as indexes, `u8`-prefixed lists and `u16`-prefixed data). Encoders, and
//! decoders that give back exactly the instructions, for tests and for reviewing a proposal
//! before voting.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};

/// Why bytes are not a DAO form of an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// The bytes end before the field.
    Truncated(&'static str),
    /// More than the format's list can hold (Squads: 255 keys or instructions, 65,535 data
    /// bytes), or an index past the keys.
    OutOfRange(&'static str),
    /// Bytes left over after the last field.
    Trailing,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::Truncated(what) => write!(f, "truncated at {what}"),
            FormError::OutOfRange(what) => write!(f, "{what} out of range"),
            FormError::Trailing => write!(f, "bytes left after the last field"),
        }
    }
}

impl std::error::Error for FormError {}

/// Realms' `InstructionData` of `ix` (Borsh: 32-byte program id, `u32` account count, each
/// 32-byte key + signer + writable bytes, `u32` data length, data).
pub fn realms_instruction(ix: &Instruction) -> Vec<u8> {
    let mut out = ix.program_id.to_bytes().to_vec();
    out.extend((ix.accounts.len() as u32).to_le_bytes());
    for a in &ix.accounts {
        out.extend(a.pubkey.to_bytes());
        out.extend([a.is_signer as u8, a.is_writable as u8]);
    }
    out.extend((ix.data.len() as u32).to_le_bytes());
    out.extend(&ix.data);
    out
}

/// Reads bytes in order.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormError> {
        if self.0.len() < n {
            return Err(FormError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn key(&mut self, what: &'static str) -> Result<Pubkey, FormError> {
        Ok(Pubkey::new_from_array(
            self.take(32, what)?.try_into().expect("32 bytes"),
        ))
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, FormError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<usize, FormError> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes")) as usize)
    }
    fn u32(&mut self, what: &'static str) -> Result<usize, FormError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")) as usize)
    }
    fn end(&self) -> Result<(), FormError> {
        self.0.is_empty().then_some(()).ok_or(FormError::Trailing)
    }
}

/// The instruction a Realms `InstructionData` carries.
pub fn from_realms_instruction(bytes: &[u8]) -> Result<Instruction, FormError> {
    let mut r = Reader(bytes);
    let program_id = r.key("program id")?;
    let n = r.u32("account count")?;
    let mut accounts = Vec::with_capacity(n.min(256));
    for _ in 0..n {
        let pubkey = r.key("account")?;
        let (is_signer, is_writable) = (r.u8("signer flag")? != 0, r.u8("writable flag")? != 0);
        accounts.push(AccountMeta {
            pubkey,
            is_signer,
            is_writable,
        });
    }
    let len = r.u32("data length")?;
    let data = r.take(len, "data")?.to_vec();
    r.end()?;
    Ok(Instruction {
        program_id,
        accounts,
        data,
    })
}

/// A Squads v4 vault transaction's `TransactionMessage` of `ixs`: account keys ordered
/// writable signers, read-only signers, writable non-signers, read-only non-signers (each
/// class in order of first use; a key's flags are the union of its uses), then each
/// instruction as its program's index, its accounts' indexes and its data; no lookup tables.
pub fn squads_transaction_message(ixs: &[Instruction]) -> Result<Vec<u8>, FormError> {
    let mut keys: Vec<(Pubkey, bool, bool)> = Vec::new();
    let mut note =
        |key: Pubkey, signer: bool, writable: bool| match keys.iter_mut().find(|k| k.0 == key) {
            Some(k) => (k.1, k.2) = (k.1 || signer, k.2 || writable),
            None => keys.push((key, signer, writable)),
        };
    for ix in ixs {
        for a in &ix.accounts {
            note(a.pubkey, a.is_signer, a.is_writable);
        }
        note(ix.program_id, false, false);
    }
    let class = |k: &(Pubkey, bool, bool)| match (k.1, k.2) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    };
    keys.sort_by_key(class); // stable: first use within a class
    let count = |c| keys.iter().filter(|k| class(k) == c).count() as u8;
    let index = |key: &Pubkey| keys.iter().position(|k| k.0 == *key).expect("noted") as u8;
    if keys.len() > 255 || ixs.len() > 255 {
        return Err(FormError::OutOfRange("account keys or instructions"));
    }
    let mut out = vec![count(0) + count(1), count(0), count(2), keys.len() as u8];
    out.extend(keys.iter().flat_map(|k| k.0.to_bytes()));
    out.push(ixs.len() as u8);
    for ix in ixs {
        let len = u16::try_from(ix.data.len()).map_err(|_| FormError::OutOfRange("data"))?;
        out.push(index(&ix.program_id));
        out.push(ix.accounts.len() as u8);
        out.extend(ix.accounts.iter().map(|a| index(&a.pubkey)));
        out.extend(len.to_le_bytes());
        out.extend(&ix.data);
    }
    out.push(0); // address table lookups
    Ok(out)
}

/// The instructions a Squads v4 `TransactionMessage` carries, each account flagged by its
/// key's class: as in any Solana message, a key used twice carries the union of its flags
/// (the vault signs them all when the transaction executes).
pub fn from_squads_transaction_message(bytes: &[u8]) -> Result<Vec<Instruction>, FormError> {
    let mut r = Reader(bytes);
    let (signers, writable_signers) = (r.u8("num_signers")?, r.u8("num_writable_signers")?);
    let writable_non_signers = r.u8("num_writable_non_signers")?;
    let keys: Vec<Pubkey> = (0..r.u8("account key count")?)
        .map(|_| r.key("account key"))
        .collect::<Result<_, _>>()?;
    let meta = |i: usize| -> Result<AccountMeta, FormError> {
        let pubkey = *keys.get(i).ok_or(FormError::OutOfRange("account index"))?;
        let (s, ws, wn) = (
            signers as usize,
            writable_signers as usize,
            writable_non_signers as usize,
        );
        let is_signer = i < s;
        let is_writable = if is_signer { i < ws } else { i < s + wn };
        Ok(AccountMeta {
            pubkey,
            is_signer,
            is_writable,
        })
    };
    let mut ixs = Vec::new();
    for _ in 0..r.u8("instruction count")? {
        let program = r.u8("program index")? as usize;
        let program_id = meta(program)?.pubkey;
        let n = r.u8("account index count")? as usize;
        let accounts = r
            .take(n, "account indexes")?
            .iter()
            .map(|i| meta(*i as usize))
            .collect::<Result<_, _>>()?;
        let len = r.u16("data length")?;
        let data = r.take(len, "data")?.to_vec();
        ixs.push(Instruction {
            program_id,
            accounts,
            data,
        });
    }
    if r.u8("address table lookup count")? != 0 {
        return Err(FormError::OutOfRange(
            "address table lookups (none expected)",
        ));
    }
    r.end()?;
    Ok(ixs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Instruction {
        let (gov, ex) = (Pubkey::new_unique(), Pubkey::new_unique());
        Instruction {
            program_id: bulwark::ID,
            accounts: vec![
                AccountMeta::new(gov, true),
                AccountMeta::new_readonly(ex, false),
                AccountMeta::new(Pubkey::new_unique(), false),
            ],
            data: vec![1, 2, 3, 4, 5],
        }
    }

    #[test]
    fn the_realms_form_is_borsh_instruction_data_and_reads_back_exactly() {
        let ix = sample();
        let bytes = realms_instruction(&ix);
        assert_eq!(&bytes[..32], bulwark::ID.as_ref());
        assert_eq!(bytes[32..36], 3u32.to_le_bytes());
        assert_eq!(bytes.len(), 32 + 4 + 3 * 34 + 4 + 5);
        assert_eq!(from_realms_instruction(&bytes), Ok(ix));
        assert_eq!(
            from_realms_instruction(&bytes[..40]),
            Err(FormError::Truncated("account"))
        );
    }

    #[test]
    fn the_squads_form_orders_keys_by_class_and_reads_back_exactly() {
        let ix = sample();
        let bytes = squads_transaction_message(std::slice::from_ref(&ix)).unwrap();
        // One writable signer (governance), then the writable non-signer, then the read-only
        // keys (the exchange, the program).
        assert_eq!(&bytes[..4], &[1, 1, 1, 4]);
        assert_eq!(&bytes[4..36], ix.accounts[0].pubkey.as_ref());
        assert_eq!(&bytes[36..68], ix.accounts[2].pubkey.as_ref());
        assert_eq!(from_squads_transaction_message(&bytes), Ok(vec![ix]));
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(
            from_squads_transaction_message(&extra),
            Err(FormError::Trailing)
        );
    }
}

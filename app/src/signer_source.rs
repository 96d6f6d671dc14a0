//! Where a signing key comes from, in the Solana CLI's signer-source syntax: a keypair file
//! (`PATH` or `file:PATH`), `stdin` (a keypair file's JSON on standard input), `prompt://`
//! (a seed phrase and passphrase typed at the terminal, hidden, or read a line each from
//! standard input when it is not a terminal; derived as `solana-keygen recover prompt://`
//! derives without `?key=`), and `usb://ledger`, which this build refuses with the reason (no
//! USB HID stack: see README, "Signers").

use std::io::{BufRead, IsTerminal, Read};

use anyhow::{anyhow, bail, Context, Result};
use solana_sdk::signature::Keypair;

/// The keypair `source` names.
pub fn read_signer(source: &str) -> Result<Keypair> {
    if source == "stdin" || source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("keypair: cannot read standard input")?;
        return keypair_from_json(&text, "standard input");
    }
    if let Some(rest) = source.strip_prefix("prompt:") {
        if !(rest.is_empty() || rest == "//") {
            bail!("keypair: {source:?}: derivation paths (?key=) are not supported; use prompt://");
        }
        return from_prompt();
    }
    if source.starts_with("usb://") {
        bail!(
            "keypair: {source:?}: hardware wallets are not supported by this build (it has no USB \
             HID stack); sign with a keypair file, `stdin` or `prompt://`"
        );
    }
    let path = source.strip_prefix("file:").unwrap_or(source);
    let text =
        std::fs::read_to_string(path).with_context(|| format!("keypair: cannot read {path}"))?;
    keypair_from_json(&text, path)
}

/// A Solana CLI keypair file's JSON (64 bytes).
fn keypair_from_json(text: &str, from: &str) -> Result<Keypair> {
    let bytes: Vec<u8> = serde_json::from_str(text.trim())
        .map_err(|e| anyhow!("keypair: {from} is not a JSON byte array: {e}"))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow!("keypair: {from}: {e}"))
}

/// One answer: hidden at a terminal, else the next line of standard input.
fn ask(question: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(question).context("keypair: cannot read the terminal");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("keypair: cannot read standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `prompt://`: a seed phrase and its passphrase (empty for none), derived as the Solana CLI
/// derives `prompt://` (PBKDF2 seed, its first 32 bytes the secret key; the words are not
/// checked against a word list, as there).
fn from_prompt() -> Result<Keypair> {
    let phrase = ask("[signer] seed phrase: ")?;
    let words = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        bail!("keypair: prompt://: no seed phrase given");
    }
    let passphrase = ask("[signer] passphrase (empty for none): ")?;
    solana_sdk::signature::keypair_from_seed_phrase_and_passphrase(&words, &passphrase)
        .map_err(|e| anyhow!("keypair: prompt://: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::Signer;

    #[test]
    fn file_and_file_prefix_name_the_same_keypair() {
        let dir = tempfile::tempdir().unwrap();
        let k = Keypair::new();
        let path = dir.path().join("k.json");
        std::fs::write(
            &path,
            serde_json::to_string(&k.to_bytes().to_vec()).unwrap(),
        )
        .unwrap();
        let p = path.to_str().unwrap();
        assert_eq!(read_signer(p).unwrap().pubkey(), k.pubkey());
        assert_eq!(
            read_signer(&format!("file:{p}")).unwrap().pubkey(),
            k.pubkey()
        );
    }

    #[test]
    fn a_seed_phrase_derives_one_key_per_passphrase() {
        let phrase = "park remain person kitchen mule spell knee armed position rail grid ankle";
        let derive = |pass: &str| {
            solana_sdk::signature::keypair_from_seed_phrase_and_passphrase(phrase, pass)
                .unwrap()
                .pubkey()
        };
        assert_eq!(derive(""), derive(""));
        assert_ne!(derive(""), derive("extra"));
    }

    #[test]
    fn a_hardware_wallet_or_a_derivation_path_is_refused_with_what_to_do() {
        let e = read_signer("usb://ledger").unwrap_err().to_string();
        assert!(
            e.contains("hardware wallets") && e.contains("prompt://"),
            "{e}"
        );
        let e = read_signer("prompt://?key=0/0").unwrap_err().to_string();
        assert!(e.contains("derivation paths"), "{e}");
        let e = read_signer("/nowhere/k.json").unwrap_err().to_string();
        assert!(e.contains("cannot read /nowhere/k.json"), "{e}");
    }
}

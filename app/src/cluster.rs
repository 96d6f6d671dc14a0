//! Which cluster a command talks to, as Solana's CLI decides it: `--url`/`-u` takes a URL or a
//! moniker (`m`/`mainnet-beta`, `d`/`devnet`, `t`/`testnet`, `l`/`localhost`); without it, the
//! Solana CLI config's `json_rpc_url` (`$SOLANA_CONFIG`, or `~/.config/solana/cli/config.yml`).
//! The signer likewise: `--keypair`/`-k`, else the config's `keypair_path`, else
//! `~/.config/solana/id.json`.

use anyhow::{anyhow, Result};

/// A moniker's URL, or `url` itself.
pub fn expand(url: &str) -> String {
    match url {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com",
        "d" | "devnet" => "https://api.devnet.solana.com",
        "t" | "testnet" => "https://api.testnet.solana.com",
        "l" | "localhost" => "http://127.0.0.1:8899",
        other => other,
    }
    .to_string()
}

/// The Solana CLI config file's path.
fn config_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("SOLANA_CONFIG") {
        return Some(p.into());
    }
    let home = std::env::var_os("HOME")?;
    Some(std::path::Path::new(&home).join(".config/solana/cli/config.yml"))
}

/// A top-level `key: value` of the Solana CLI config (a flat YAML map of strings).
fn config_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The Solana CLI config's `key`, if the file and the key exist.
fn from_config(key: &str) -> Option<String> {
    config_path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| config_value(&text, key))
        .filter(|v| !v.is_empty())
}

/// The keypair file: `given`, else the Solana CLI config's `keypair_path`, else Solana's default
/// `~/.config/solana/id.json`.
pub fn keypair(given: Option<&std::path::Path>) -> Result<std::path::PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = from_config("keypair_path") {
        return Ok(p.into());
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| anyhow!("keypair: give --keypair (no Solana CLI config, no HOME)"))?;
    Ok(std::path::Path::new(&home).join(".config/solana/id.json"))
}

/// The cluster URL: `given` (expanded), else the Solana CLI config's `json_rpc_url`.
pub fn url(given: Option<&str>) -> Result<String> {
    if let Some(u) = given {
        return Ok(expand(u));
    }
    from_config("json_rpc_url").ok_or_else(|| {
        anyhow!("url: give --url (or -u m|d|t|l), or set one with `solana config set --url …`")
    })
}

/// Where a person looks a transaction up: the Solana explorer, on `url`'s cluster (a custom
/// cluster by its URL).
pub fn explorer_url(signature: &str, url: &str) -> String {
    let cluster = match url {
        "https://api.mainnet-beta.solana.com" => String::new(),
        "https://api.devnet.solana.com" => "?cluster=devnet".into(),
        "https://api.testnet.solana.com" => "?cluster=testnet".into(),
        other => format!("?cluster=custom&customUrl={other}"),
    };
    format!("https://explorer.solana.com/tx/{signature}{cluster}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_links_to_the_explorer_on_its_cluster() {
        assert_eq!(
            explorer_url("S", &expand("d")),
            "https://explorer.solana.com/tx/S?cluster=devnet"
        );
        assert_eq!(
            explorer_url("S", &expand("m")),
            "https://explorer.solana.com/tx/S"
        );
        assert!(
            explorer_url("S", "http://127.0.0.1:8899").ends_with("customUrl=http://127.0.0.1:8899")
        );
    }

    #[test]
    fn monikers_expand_and_urls_pass_through() {
        assert_eq!(expand("d"), "https://api.devnet.solana.com");
        assert_eq!(
            expand("mainnet-beta"),
            "https://api.mainnet-beta.solana.com"
        );
        assert_eq!(expand("l"), "http://127.0.0.1:8899");
        assert_eq!(expand("http://x:1"), "http://x:1");
    }

    #[test]
    fn the_solana_cli_config_gives_the_url_when_none_is_given() {
        let text = "---\njson_rpc_url: \"https://api.testnet.solana.com\"\nwebsocket_url: ''\nkeypair_path: /k.json\n";
        assert_eq!(
            config_value(text, "json_rpc_url").as_deref(),
            Some("https://api.testnet.solana.com")
        );
        assert_eq!(
            config_value(text, "keypair_path").as_deref(),
            Some("/k.json")
        );
        assert_eq!(config_value(text, "missing"), None);
    }
}

// Reads a `bulwark localnet` with Anchor's public TS client, as an integrator would: the
// exchange, every market and one owner's margin account decoded from the IDL, a slot heard on
// the websocket, and an airdrop confirmed through signatureSubscribe. Prints one JSON object.
// Usage: node read.mjs RPC_URL WS_URL IDL_JSON OWNER
import { readFileSync } from "node:fs";
import anchor from "@anchor-lang/core";

const [rpc, ws, idlPath, ownerText] = process.argv.slice(2);
const { web3, AnchorProvider, Program, Wallet } = anchor;
const connection = new web3.Connection(rpc, { commitment: "confirmed", wsEndpoint: ws });
const provider = new AnchorProvider(connection, new Wallet(web3.Keypair.generate()), {
  commitment: "confirmed",
});
const idl = JSON.parse(readFileSync(idlPath, "utf8"));
const program = new Program(idl, provider);
const owner = new web3.PublicKey(ownerText);

const pda = (...seeds) => web3.PublicKey.findProgramAddressSync(seeds, program.programId)[0];
const index = Buffer.alloc(2);
const exchange = await program.account.exchange.fetch(pda(Buffer.from("exchange")));
const markets = await program.account.market.all();
const margin = await program.account.marginAccount.fetch(
  pda(Buffer.from("margin"), owner.toBuffer(), index),
);
const symbol = (bytes) => Buffer.from(bytes).toString("utf8").replace(/\0+$/, "");

// The websocket: a slot notification, then an airdrop confirmed by signatureSubscribe.
const slot = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no slot notification in 10 s")), 10_000);
  const id = connection.onSlotChange((info) => {
    clearTimeout(timer);
    connection.removeSlotChangeListener(id);
    resolve(info.slot);
  });
});
const someone = web3.Keypair.generate().publicKey;
const sig = await connection.requestAirdrop(someone, 1_000_000_000);
const latest = await connection.getLatestBlockhash();
const confirmation = await connection.confirmTransaction({ signature: sig, ...latest });
const balance = await connection.getBalance(someone);

console.log(
  JSON.stringify({
    market_count: exchange.marketCount,
    markets: markets.map((m) => symbol(m.account.symbol)).sort(),
    // The engine-owned part of the account (`core: AccountCore`) nests as `core`.
    collateral: margin.core.collateral.toString(),
    owner: margin.owner.toBase58(),
    slot_heard: slot,
    airdrop_err: confirmation.value.err,
    airdrop_balance: balance,
  }),
);
process.exit(0);

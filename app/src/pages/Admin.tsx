/**
 * Keeper and admin actions, shown to holders of the roles: finalise the round when due (KEEPER_ROLE),
 * register and close gaps (CURATOR_ROLE), matching settings (DEFAULT_ADMIN_ROLE).
 */
import { useState } from "react";
import { id as keccakId } from "ethers";
import { useChain, useLive } from "../chain";
import { AmountForm, useAmount } from "../components/AmountForm";
import { useTx } from "../components/Tx";
import { countdown, tokens } from "../format";

/** The roles `account` holds on the allocator. */
export function useRoles(): { keeper: boolean; curator: boolean; admin: boolean } | undefined {
  const { allocator, signer } = useChain();
  return useLive(async () => {
    if (signer === undefined) return undefined;
    const has = (role: string): Promise<boolean> => allocator.contract.hasRole(role, signer.account);
    const [keeper, curator, admin] = await Promise.all([
      has(keccakId("KEEPER_ROLE")),
      has(keccakId("CURATOR_ROLE")),
      has("0x" + "00".repeat(32)),
    ]);
    return { keeper, curator, admin };
  }, [signer?.account]).value;
}

export function AdminPage() {
  const { allocator, signer, now } = useChain();
  const roles = useRoles();
  const round = useLive(() => allocator.round(), []);
  const pool = useLive(() => allocator.matchingPool(), []);
  const settings = useLive(() => allocator.contract.matchingSettings(), []);
  const [name, setName] = useState("");
  const [recipient, setRecipient] = useState("");
  const [closing, setClosing] = useState("");
  const [cap, setCap] = useState("");
  const [whole, setWhole] = useState(false);
  const tx = useTx();
  const poolAmount = useAmount(allocator.decimals);

  if (signer === undefined) return <p>Connect a wallet that holds a keeper, curator or admin role.</p>;
  if (roles === undefined) return <p>Reading your roles…</p>;
  if (!roles.keeper && !roles.curator && !roles.admin)
    return <p>This account holds no keeper, curator or admin role.</p>;
  const due = round.value !== undefined && BigInt(now) >= round.value.endTime;
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Keeper and admin</h1>
      {roles.keeper && (
        <AmountForm
          title={`Finalise round ${round.value?.round.toString() ?? "…"}`}
          label="Pool for the round (empty: all of it)"
          symbol={allocator.symbol}
          amount={poolAmount}
          action="Finalise the round"
          connectFirst="Finalise the round"
          connected
          optional
          disabled={!due}
          busy={tx.busy}
          onSubmit={(raw) =>
            tx.run(
              "Round finalisation",
              () => signer.allocator.match(raw ?? pool.value ?? 0n),
              (r) => `round ${r.round} finalised`,
            )
          }
        >
          <p>
            {due
              ? "The round's window has ended."
              : `The round closes in ${countdown(round.value?.endTime ?? 0n, now)}.`}{" "}
            Pool available: {tokens(pool.value ?? 0n, allocator.decimals)} {allocator.symbol}.
          </p>
        </AmountForm>
      )}
      {roles.curator && (
        <>
          <form
            aria-labelledby="register-title"
            onSubmit={(e) => {
              e.preventDefault();
              void tx.run("Gap registration", () =>
                signer.allocator.registerGap(name.trim(), recipient.trim(), `cofund://${name.trim()}`),
              );
            }}
          >
            <h2 id="register-title">Register a gap</h2>
            <div className="field">
              <label htmlFor="g-name">Name</label>
              <input id="g-name" value={name} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="g-recipient">Recipient address</label>
              <input
                id="g-recipient"
                className="mono"
                value={recipient}
                onChange={(e) => setRecipient(e.target.value)}
              />
            </div>
            <button type="submit" disabled={name.trim() === "" || recipient.trim() === "" || tx.busy}>
              Register
            </button>
          </form>
          <form
            aria-labelledby="close-title"
            onSubmit={(e) => {
              e.preventDefault();
              void tx.run("Gap closing", () => signer.allocator.closeGap(closing.trim()));
            }}
          >
            <h2 id="close-title">Close a gap</h2>
            <div className="field">
              <label htmlFor="g-close">Name or 0x id</label>
              <input id="g-close" value={closing} onChange={(e) => setClosing(e.target.value)} />
            </div>
            <button type="submit" disabled={closing.trim() === "" || tx.busy}>
              Close
            </button>
          </form>
        </>
      )}
      {roles.admin && (
        <form
          aria-labelledby="settings-title"
          onSubmit={(e) => {
            e.preventDefault();
            const bps = BigInt(cap.trim() === "" ? "0" : cap.trim());
            void tx.run("Settings", async () => {
              const sent = await signer.allocator.contract.setMatchingSettings(whole, bps);
              const receipt = await sent.wait();
              return { txHash: sent.hash, gasUsed: receipt?.gasUsed };
            });
          }}
        >
          <h2 id="settings-title">Matching settings</h2>
          <p>
            Now:{" "}
            {settings.value?.distributeWholePool ? "the whole pool is distributed" : "α = min(1, pool/W)"};
            cap{" "}
            {settings.value === undefined || settings.value.capBps === 0n
              ? "none"
              : `${Number(settings.value.capBps) / 100}% of the pool per gap`}
            .
          </p>
          <label className="choice">
            <input type="checkbox" checked={whole} onChange={(e) => setWhole(e.target.checked)} /> Distribute
            the whole pool (α = pool/W)
          </label>
          <div className="field">
            <label htmlFor="s-cap">Cap per gap (basis points of the pool; empty or 0 for none)</label>
            <input
              id="s-cap"
              value={cap}
              inputMode="numeric"
              onChange={(e) => setCap(e.target.value.replace(/\D/g, ""))}
            />
          </div>
          <button type="submit" disabled={tx.busy}>
            Save settings
          </button>
        </form>
      )}
      {tx.status}
    </section>
  );
}

/** Every pledge campaign, and creating one (mode, policy and its parameters explained in one line each). */
import { useState } from "react";
import { nameFromMetadataURI } from "../../../sdk/ids";
import { parseUnitsExact } from "../../../sdk/units";
import * as pm from "../../../sdk/math/pledges";
import { useChain, useLive } from "../chain";
import { useTx } from "../components/Tx";
import { countdown, fixed, tokens } from "../format";
import { IndexerNotice, rawOf, useIndexer, type IndexedCampaigns } from "../indexer";
import { href } from "../router";

const MODES = {
  quadratic: "Quadratic: the pot is (Σ√payment)², so many small pledges unlock the most.",
  linear: "Linear: the pot is Σ payment; safer against one pledger split into many addresses.",
} as const;
const POLICIES = {
  constant: "Constant: every pledge saturates at the same speed, whenever it joins.",
  geometric:
    "Geometric: each new pledge's speed is the previous one's times the decay (early pledges saturate faster).",
  harmonic: "Harmonic: the k-th pledge's speed is the initial one over (1 + rate·k) — it slows, never to 0.",
  "limit-sqrt":
    "Limit-sqrt: a pledge's speed is the initial one times √(reference limit / its limit), whenever it joins.",
} as const;

function CreateCampaign() {
  const { allocator, signer } = useChain();
  const gaps = useLive(() => allocator.stats(), []);
  const [mode, setMode] = useState<keyof typeof MODES>("quadratic");
  const [policy, setPolicy] = useState<keyof typeof POLICIES>("constant");
  const [speed, setSpeed] = useState("0.1");
  const [decay, setDecay] = useState("0.9");
  const [rate, setRate] = useState("0.05");
  const [reference, setReference] = useState("100");
  const [hours, setHours] = useState("24");
  const [minimum, setMinimum] = useState("0");
  const [gap, setGap] = useState("");
  const [recipient, setRecipient] = useState("");
  const tx = useTx();
  const parse = (text: string, decimals: number): bigint | undefined => {
    try {
      return parseUnitsExact(text.trim(), decimals);
    } catch {
      return undefined;
    }
  };
  const initialSpeed = parse(speed, 18);
  const decayRaw = parse(decay, 18);
  const rateRaw = parse(rate, 18);
  // The reference limit is an 18-decimal token amount whatever the token (the contract normalises limits).
  const referenceRaw = parse(reference, 18);
  const duration = /^\d+(\.\d+)?$/.test(hours.trim()) ? Math.round(Number(hours) * 3600) : undefined;
  const minLimit = parse(minimum, allocator.decimals);
  const problems = [
    initialSpeed === undefined || initialSpeed === 0n ? "The speed must be a number above 0." : undefined,
    policy === "geometric" && (decayRaw === undefined || decayRaw === 0n || decayRaw > 10n ** 18n)
      ? "The decay must be above 0 and at most 1."
      : undefined,
    policy === "harmonic" && (rateRaw === undefined || rateRaw === 0n || rateRaw > 10n ** 24n)
      ? "The rate must be above 0 and at most 1,000,000."
      : undefined,
    policy === "limit-sqrt" &&
    (referenceRaw === undefined || referenceRaw === 0n || referenceRaw > 10n ** 38n)
      ? "The reference limit must be above 0 and at most 10²⁰ tokens."
      : undefined,
    duration === undefined || duration <= 0 ? "The duration must be a number of hours above 0." : undefined,
    minLimit === undefined ? "The minimum must be an amount (0 for none)." : undefined,
    gap === "" && !/^0x[0-9a-fA-F]{40}$/.test(recipient.trim())
      ? "Give a recipient address or choose a gap."
      : undefined,
  ].filter((x): x is string => x !== undefined);
  const gapRow = gaps.value?.gaps.find((g) => g.gapId === gap);
  return (
    <form
      aria-labelledby="create-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (signer === undefined || problems.length > 0) return;
        void tx.run(
          "Campaign creation",
          () =>
            signer.pledges.createCampaign({
              token: allocator.tokenAddress,
              recipient: gapRow?.recipient ?? recipient.trim(),
              duration: duration!,
              mode,
              policy,
              initialSpeed: initialSpeed!,
              decay: policy === "geometric" ? decayRaw : undefined,
              rate: policy === "harmonic" ? rateRaw : undefined,
              referenceLimit: policy === "limit-sqrt" ? referenceRaw : undefined,
              minLimit: minLimit!,
              ...(gapRow !== undefined ? { allocator: allocator.address, gapId: gapRow.gapId } : {}),
            }),
          (r) => `campaign ${r.campaignId} created`,
        );
      }}
    >
      <h2 id="create-title">Create a campaign</h2>
      <fieldset>
        <legend>Mode</legend>
        {(Object.keys(MODES) as (keyof typeof MODES)[]).map((m) => (
          <label key={m} className="choice">
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />{" "}
            {MODES[m]}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Saturation policy</legend>
        {(Object.keys(POLICIES) as (keyof typeof POLICIES)[]).map((p) => (
          <label key={p} className="choice">
            <input
              type="radio"
              name="policy"
              value={p}
              checked={policy === p}
              onChange={() => setPolicy(p)}
            />{" "}
            {POLICIES[p]}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="c-speed">
          Initial speed (1/√token: how fast a pledge's payment approaches its limit as h grows)
        </label>
        <input id="c-speed" value={speed} onChange={(e) => setSpeed(e.target.value)} inputMode="decimal" />
      </div>
      {policy === "geometric" && (
        <div className="field">
          <label htmlFor="c-decay">
            Decay (each pledge's speed is the previous one's times this; 0 &lt; decay ≤ 1)
          </label>
          <input id="c-decay" value={decay} onChange={(e) => setDecay(e.target.value)} inputMode="decimal" />
        </div>
      )}
      {policy === "harmonic" && (
        <div className="field">
          <label htmlFor="c-rate">
            Rate (the k-th pledge's speed is the initial one over 1 + rate·k; 0 &lt; rate)
          </label>
          <input id="c-rate" value={rate} onChange={(e) => setRate(e.target.value)} inputMode="decimal" />
        </div>
      )}
      {policy === "limit-sqrt" && (
        <div className="field">
          <label htmlFor="c-reference">
            Reference limit ({allocator.symbol}: a pledge of this limit gets the initial speed)
          </label>
          <input
            id="c-reference"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            inputMode="decimal"
          />
        </div>
      )}
      <div className="field">
        <label htmlFor="c-hours">Pledging open for (hours; settlement after that)</label>
        <input id="c-hours" value={hours} onChange={(e) => setHours(e.target.value)} inputMode="decimal" />
      </div>
      <div className="field">
        <label htmlFor="c-min">Minimum first pledge ({allocator.symbol}; 0 for none)</label>
        <input id="c-min" value={minimum} onChange={(e) => setMinimum(e.target.value)} inputMode="decimal" />
      </div>
      <div className="field">
        <label htmlFor="c-gap">
          Pay the pot into a gap (optional: it then counts in the gap's matching round)
        </label>
        <select id="c-gap" value={gap} onChange={(e) => setGap(e.target.value)}>
          <option value="">No gap: pay the recipient below</option>
          {(gaps.value?.gaps ?? [])
            .filter((g) => g.status === "Active")
            .map((g) => (
              <option key={g.gapId} value={g.gapId}>
                {g.name ?? nameFromMetadataURI(g.metadataURI, g.gapId) ?? g.gapId}
              </option>
            ))}
        </select>
      </div>
      {gap === "" && (
        <div className="field">
          <label htmlFor="c-recipient">Recipient address</label>
          <input
            id="c-recipient"
            value={recipient}
            onChange={(e) => setRecipient(e.target.value)}
            className="mono"
          />
        </div>
      )}
      {problems.length > 0 && <p className="field-error">{problems[0]}</p>}
      <button type="submit" disabled={signer === undefined || problems.length > 0 || tx.busy}>
        {signer === undefined ? "Connect a wallet to create" : "Create the campaign"}
      </button>
      {tx.status}
    </form>
  );
}

export function CampaignsPage() {
  const { pledges, now } = useChain();
  const list = useIndexer<IndexedCampaigns>("/api/campaigns");
  // Live from the chain on every block: h and the pot of each campaign still taking pledges (SDK's
  // exact mirror of the contract's solve on the terms read from the chain).
  const openIds = (list.value?.campaigns ?? [])
    .filter((c) => c.state === "open" && c.deadline > now)
    .map((c) => c.campaignId);
  const live = useLive(async () => {
    const out = new Map<string, { h: bigint; pot: bigint }>();
    for (const id of openIds) {
      const math = await pledges.readMath(BigInt(id));
      const h = pm.solve(math);
      // The pot in 18-decimal units (raw × scale), like the indexer's decimal strings parsed at 18.
      out.set(id, { h, pot: pm.evaluate(math, h).pot * math.scale });
    }
    return out;
  }, [openIds.join(",")]);
  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">Campaigns</h1>
      <IndexerNotice error={list.error} />
      {list.value === undefined ? (
        list.error === undefined && <p>Loading campaigns…</p>
      ) : list.value.campaigns.length === 0 ? (
        <p>No campaign yet: create the first one below.</p>
      ) : (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">State</th>
                <th scope="col">Mode</th>
                <th scope="col">Pledges</th>
                <th scope="col">h</th>
                <th scope="col">Pot</th>
                <th scope="col">Deadline</th>
              </tr>
            </thead>
            <tbody>
              {[...list.value.campaigns].reverse().map((c) => {
                const current = live.value?.get(c.campaignId);
                return (
                  <tr key={c.campaignId} data-testid="campaign-row">
                    <th scope="row">
                      <a href={href({ page: "campaign", id: c.campaignId })}>#{c.campaignId}</a>
                    </th>
                    <td>{c.state === "open" && c.deadline <= now ? "settling" : c.state}</td>
                    <td>
                      {c.mode}, {c.policy}
                    </td>
                    <td>{c.pledges.filter((p) => p.state !== "withdrawn").length}</td>
                    <td data-testid="campaign-row-h">
                      {current !== undefined ? fixed(current.h) : fixed(rawOf(c.h, 18))}
                    </td>
                    <td>{tokens(current?.pot ?? rawOf(c.pot, 18), 18)}</td>
                    <td>{countdown(BigInt(c.deadline), now)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <CreateCampaign />
    </section>
  );
}

/**
 * The app's one small amount form (contribute, fund the pool, finalise a round, pledge): a titled form
 * with a labelled amount field (parsed by the SDK), an optional preview, and a submit button that says
 * why it is disabled when no wallet is connected. The field is cleared once the action succeeds.
 */
import { useId, useState, type ReactNode } from "react";
import { AmountInput, parseAmount } from "./AmountInput";

/** An amount field's text and what the SDK parses from it. */
export interface Amount {
  text: string;
  setText: (text: string) => void;
  raw?: bigint;
  error?: string;
}

/** The state of one amount field of a `decimals` token. */
export function useAmount(decimals: number): Amount {
  const [text, setText] = useState("");
  return { text, setText, ...parseAmount(text, decimals) };
}

export function AmountForm(props: {
  title: string;
  label: string;
  /** Shown after the field (the token's symbol; "" for none). */
  symbol: string;
  amount: Amount;
  /** The submit button's text, and its text while no wallet is connected. */
  action: string;
  connectFirst: string;
  connected: boolean;
  busy: boolean;
  /** An empty field is allowed (the action then has its own default). */
  optional?: boolean;
  /** Disabled for another reason (e.g. the round is not due yet). */
  disabled?: boolean;
  /** Sends the action; a result other than undefined means it succeeded (the field is cleared). */
  onSubmit: (raw: bigint | undefined) => Promise<unknown>;
  /** The preview, shown between the field and the button. */
  children?: ReactNode;
  /** Below the button (the transaction's status line). */
  footer?: ReactNode;
}) {
  const titleId = useId();
  const { amount } = props;
  const ready =
    props.connected &&
    !props.busy &&
    !props.disabled &&
    amount.error === undefined &&
    (amount.raw !== undefined || props.optional === true);
  return (
    <form
      aria-labelledby={titleId}
      onSubmit={(e) => {
        e.preventDefault();
        if (!ready) return;
        void props.onSubmit(amount.raw).then((r) => r !== undefined && amount.setText(""));
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <AmountInput
        label={props.label}
        value={amount.text}
        onChange={amount.setText}
        symbol={props.symbol}
        error={amount.error}
      />
      {props.children}
      <button type="submit" disabled={!ready}>
        {props.connected ? props.action : props.connectFirst}
      </button>
      {props.footer}
    </form>
  );
}

/**
 * A campaign's status as a quarter-circle frame (./quarter-circles): the pledges still in it, amounts in
 * tokens and speeds as numbers. Shared by `npm run demo` and the web app.
 */
import type { CampaignStatus } from "../pledges";
import { formatUnitsExact } from "../units";
import type { PictureFrame, Terms } from "./quarter-circles";

/** The frame of `status` (live or settled) titled `title`. */
export function statusFrame(status: CampaignStatus, title: string): PictureFrame {
  const pledges = status.pledges
    .filter((p) => p.state !== "withdrawn")
    .map((p) => ({
      limit: Number(formatUnitsExact(p.limit, status.decimals)),
      speed: Number(formatUnitsExact(p.speed, 18)),
      payment: Number(formatUnitsExact(p.payment, status.decimals)),
      leverage: p.leverage,
    }));
  return { title, h: Number(formatUnitsExact(status.h, 18)), pledges };
}

/** The terms (limit, speed) of a frame's pledges, for the animations. */
export function frameTerms(frame: PictureFrame): Terms[] {
  return frame.pledges.map((p) => ({ limit: p.limit, speed: p.speed }));
}

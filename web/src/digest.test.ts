import { describe, expect, it } from "vitest";
import type { NationStatus } from "./api";
import { digestState } from "./header";
import { Store } from "./store";

function store(nations: NationStatus[]): Store {
  const s = new Store();
  s.status = { version: "", time: "", nations };
  return s;
}

describe("digestState", () => {
  const pic = (states: string[]) => ({
    nation: "jp" as const,
    ready: true,
    picture: { picture: "abc", measurements: 10, partners: states.map((state, i) => ({ partner: (["kr", "us"] as const)[i], state })) },
  });
  const tests: { name: string; nations: NationStatus[]; want: string }[] = [
    { name: "no_status", nations: [], want: "digest_unknown" },
    { name: "no_picture", nations: [{ nation: "jp", ready: true }], want: "digest_unknown" },
    { name: "all_agree", nations: [pic(["agree", "agree"])], want: "digest_agree" },
    { name: "one_pending", nations: [pic(["agree", "pending"])], want: "digest_pending" },
    { name: "disagree_wins", nations: [pic(["pending", "DISAGREE"])], want: "digest_differ" },
    { name: "no_partners_yet", nations: [pic([])], want: "digest_pending" },
    {
      name: "published_digests_equal",
      nations: [
        { nation: "jp", ready: true, digest: "x" },
        { nation: "kr", ready: true, digest: "x" },
      ],
      want: "digest_agree",
    },
    {
      name: "published_digests_differ",
      nations: [
        { nation: "jp", ready: true, digest: "x" },
        { nation: "kr", ready: true, digest: "y" },
      ],
      want: "digest_differ",
    },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(digestState(store(tt.nations)).key).toBe(tt.want));
  }
});

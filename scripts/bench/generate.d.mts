export function generateConfig(
  n: number,
  format: "yaml" | "json",
  options?: {
    certificate?: string;
    key?: string;
    listen?: { tls: string; plain: string };
    /** lint findings in the config: origin-missing, max-connections-unset and upstream-single-server */
    findings?: boolean;
  },
): string;

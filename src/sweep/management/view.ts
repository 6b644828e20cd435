/** What the management plane says about one registry, as far as the sweep could read it. */
export type ManagementView =
  | { state: "not-configured" }
  | { state: "unreadable"; resourceId: string; error: string; status?: number }
  | {
      state: "read";
      resourceId: string;
      loginServer: string | undefined;
      sku: string | undefined;
      /** properties.policies.quarantinePolicy.status; undefined when ARM does not report one (ARM's default is disabled). */
      quarantinePolicy: string | undefined;
      webhooks: WebhookView[];
    };

export interface WebhookView {
  name: string;
  status: string | undefined;
  actions: string[];
  scope: string | undefined;
  /** serviceUri is write-only in ARM: it comes from getCallbackConfig, which needs an action permission Reader lacks. */
  destination: { serviceUri: string } | { unverified: string };
}

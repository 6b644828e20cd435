import type { Env } from "../config.js";
import { jwksVerifier, type Jwks } from "../attest/keys.js";
import { OciRegistry } from "../attest/oci-registry.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import type { GateServices } from "../pipeline/services.js";
import { combineVexSources, type ImageVexSource } from "../scanning/vex/combined-source.js";
import { VexReferrerSource } from "../scanning/vex/referrer-source.js";
import { vexReferrerSettings } from "../scanning/vex/referrer-settings.js";

/**
 * Adds the image's own OpenVEX referrers (VEX_REFERRERS=any|signed) to the VEX the gate applies, read with the gate's
 * pull right on the repository; off (default) leaves the services as they are.
 */
export function withVexReferrers(env: Env, services: GateServices): GateServices {
  const settings = vexReferrerSettings(env);
  if (settings.mode === "off") return services;
  const registries = new Map<string, OciRegistry>();
  const source = new VexReferrerSource({
    mode: settings.mode,
    verify: settings.keys ? jwksVerifier(settings.keys as Jwks) : undefined,
    registry: (server) => {
      const checked = services.acr.allowlist.check(server);
      let registry = registries.get(checked);
      if (!registry) {
        registry = new OciRegistry(checked, (repository, actions, refused) => {
          const scopes = [repositoryScope(repositoryName(repository), actions)];
          if (refused) services.acr.tokens.invalidateAccessToken(loginServer(checked), scopes, refused);
          return services.acr.tokens.accessToken(loginServer(checked), scopes);
        });
        registries.set(checked, registry);
      }
      return registry;
    },
  });
  const sources: ImageVexSource[] = services.vex ? [services.vex, source] : [source];
  return { ...services, vex: combineVexSources(sources) };
}

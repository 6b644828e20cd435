import { DEFAULT_CHANGEABLE, type ManifestRecord, type TagRecord } from "../model.js";

/** A tag and the manifest it names, as the emulator knows them. */
export interface TaggedManifest {
  name: string;
  manifest: ManifestRecord;
  record: TagRecord | undefined;
}

/**
 * A tag as ACR reports it: TagAttributesBase of the data-plane spec (name, digest, createdTime, lastUpdateTime, signed,
 * changeableAttributes), plus quarantineState at the tag level, where `az acr repository show --image repo:tag` shows
 * it on real registries (acr-protocol.md §2.4, S24).
 */
export function tagAttributes(tag: TaggedManifest): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: tag.name,
    digest: tag.manifest.digest,
    createdTime: tag.record?.createdTime ?? tag.manifest.createdTime,
    lastUpdateTime: tag.record?.lastUpdateTime ?? tag.manifest.lastUpdateTime,
    signed: false,
    changeableAttributes: { ...(tag.record?.changeable ?? DEFAULT_CHANGEABLE) },
  };
  if (tag.manifest.quarantineState !== undefined) view.quarantineState = tag.manifest.quarantineState;
  return view;
}

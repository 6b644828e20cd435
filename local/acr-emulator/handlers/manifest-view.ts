import type { ManifestRecord } from "../model.js";

/** A manifest as ACR reports it: quarantine fields inside changeableAttributes (acr-protocol.md §2.4). */
export function manifestAttributes(record: ManifestRecord): Record<string, unknown> {
  const changeableAttributes: Record<string, unknown> = { ...record.changeable };
  if (record.quarantineState !== undefined) changeableAttributes.quarantineState = record.quarantineState;
  if (record.quarantineDetails !== undefined) changeableAttributes.quarantineDetails = record.quarantineDetails;
  const view: Record<string, unknown> = {
    digest: record.digest,
    imageSize: record.size,
    createdTime: record.createdTime,
    lastUpdateTime: record.lastUpdateTime,
    mediaType: record.mediaType,
    tags: record.tags,
    changeableAttributes,
  };
  if (record.architecture) view.architecture = record.architecture;
  if (record.os) view.os = record.os;
  if (record.configMediaType) view.configMediaType = record.configMediaType;
  if (record.references) view.references = record.references;
  return view;
}

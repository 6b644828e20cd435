import { idKey } from "./ids.js";
import { instantOf } from "./instant.js";
import { VexError, type OpenVexDocument, type VexComponent, type VexStatement } from "./openvex.js";
import { parsePurl, purlCovers } from "./purl.js";
import type { Finding, ImageRef, VexStatementRef } from "./types.js";

type FindingMatcher = (finding: Finding) => boolean;

interface IndexedStatement {
  ref: VexStatementRef | undefined;
  /** When the statement was made; among statements about one finding the latest wins (OpenVEX). */
  time: number;
  /** Position across all documents, the tie-breaker: later in the input wins. */
  order: number;
  matches: FindingMatcher;
}

const DIGEST_IN_ID = /(?:^|@)(sha256:[a-f0-9]{64})$/;

function purlOf(component: VexComponent): string | undefined {
  const id = component["@id"];
  return component.identifiers?.purl ?? (id?.startsWith("pkg:") ? id : undefined);
}

/** The image digest a product names (a `pkg:oci/...@sha256:...` purl or a digest-bearing id), if it names an image. */
export function imageDigestOf(component: VexComponent): string | undefined {
  const purl = purlOf(component);
  if (purl !== undefined) {
    const parsed = parsePurl(purl);
    return parsed?.type === "oci" ? (parsed.version ?? "") : undefined;
  }
  return DIGEST_IN_ID.exec(component["@id"] ?? "")?.[1];
}

/** A component covers a finding's package by purl; a finding without a purl (Harbor) is compared by name and version. */
function componentMatcher(component: VexComponent): FindingMatcher {
  const text = purlOf(component);
  const statementPurl = text === undefined ? null : parsePurl(text);
  if (statementPurl === null) return () => false;
  return (finding) => {
    const findingPurl = finding.package.purl === undefined ? null : parsePurl(finding.package.purl);
    if (findingPurl !== null) return purlCovers(statementPurl, findingPurl);
    if (statementPurl.name !== finding.package.name) return false;
    return statementPurl.version === undefined || statementPurl.version === finding.package.installedVersion;
  };
}

/**
 * What part of this image a statement speaks about. A product naming another image speaks about nothing here; a
 * product naming this image speaks about all of it (or its listed subcomponents); any other product is the author's
 * own scope, which a scan report cannot confirm, so its subcomponents (or the product itself) are matched by package.
 */
function statementMatcher(statement: VexStatement, image: ImageRef): FindingMatcher {
  const matchers: FindingMatcher[] = [];
  for (const product of statement.products) {
    const subcomponents = product.subcomponents ?? [];
    const digest = imageDigestOf(product);
    if (digest !== undefined && digest !== image.digest) continue;
    if (digest !== undefined && subcomponents.length === 0) return () => true;
    for (const component of subcomponents.length > 0 ? subcomponents : [product])
      matchers.push(componentMatcher(component));
  }
  return (finding) => matchers.some((matches) => matches(finding));
}

/** The OpenVEX statements that apply to one image, indexed by vulnerability id and alias (case-insensitive). */
export class VexIndex {
  private readonly byVulnerability = new Map<string, IndexedStatement[]>();

  constructor(documents: readonly OpenVexDocument[], image: ImageRef) {
    let order = 0;
    documents.forEach((document, documentIndex) => {
      document.statements.forEach((statement, statementIndex) => {
        const vulnerability = statement.vulnerability.name ?? statement.vulnerability["@id"] ?? "";
        const suppresses = statement.status === "not_affected" || statement.status === "fixed";
        let ref: VexStatementRef | undefined;
        if (suppresses) {
          ref = {
            document: document["@id"],
            documentIndex,
            statementIndex,
            vulnerability,
            status: statement.status as VexStatementRef["status"],
          };
          if (statement.justification !== undefined) ref.justification = statement.justification;
          if (statement.impact_statement !== undefined) ref.impactStatement = statement.impact_statement;
        }
        const entry: IndexedStatement = {
          ref,
          time: timeOf(statement, statementIndex, document),
          order: order++,
          matches: statementMatcher(statement, image),
        };
        const { name, "@id": id, aliases = [] } = statement.vulnerability;
        for (const key of new Set(
          [name, id, ...aliases].filter((value): value is string => value !== undefined).map(idKey),
        )) {
          const list = this.byVulnerability.get(key) ?? [];
          list.push(entry);
          this.byVulnerability.set(key, list);
        }
      });
    });
  }

  /**
   * The statement that suppresses this finding: the latest matching statement, if it says not_affected or fixed.
   * `key` is the finding's id as idKey makes it, when the caller has it already.
   */
  suppression(finding: Finding, key = idKey(finding.vulnerabilityId)): VexStatementRef | undefined {
    if (this.byVulnerability.size === 0) return undefined;
    let latest = this.latest(this.byVulnerability.get(key), finding, undefined);
    const aliases = finding.aliases;
    for (let index = 0; index < aliases.length; index += 1)
      latest = this.latest(this.byVulnerability.get(idKey(aliases[index] as string)), finding, latest);
    return latest?.ref;
  }

  private latest(
    entries: readonly IndexedStatement[] | undefined,
    finding: Finding,
    latest: IndexedStatement | undefined,
  ): IndexedStatement | undefined {
    if (entries === undefined) return latest;
    for (const entry of entries) {
      if (latest !== undefined && !isLater(entry, latest)) continue;
      if (entry.matches(finding)) latest = entry;
    }
    return latest;
  }
}

/**
 * When a statement was made: its own timestamp, else its document's (OpenVEX v0.2.0). parseOpenVex refuses documents
 * whose times cannot be read; a document handed over without it is refused here, never ordered as if it were oldest.
 */
function timeOf(statement: VexStatement, index: number, document: OpenVexDocument): number {
  const text = statement.timestamp ?? document.timestamp;
  const time = typeof text === "string" ? instantOf(text) : undefined;
  if (time === undefined) {
    throw new VexError(
      `OpenVEX document ${JSON.stringify(String(document["@id"]).slice(0, 200))} cannot be applied`,
      [`/statements/${index}: its timestamp is not a readable RFC 3339 date-time`],
      "vex-timestamp-invalid",
    );
  }
  return time;
}

function isLater(candidate: IndexedStatement, current: IndexedStatement): boolean {
  return candidate.time > current.time || (candidate.time === current.time && candidate.order > current.order);
}

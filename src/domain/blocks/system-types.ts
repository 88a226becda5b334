// The block types every Edgeflow installs at start (docs/blocks.md, "System block types"): Prefect
// 2.15's Secret, JSON, String, DateTime, Webhook and Slack webhook exactly as its client describes
// them (so its checksum look-up finds them and it never asks to update them), and Edgeflow's own
// S3-compatible credentials block.
import systemBlocks from './system-blocks.json';

export interface SystemBlock {
  type: {
    name: string;
    slug: string;
    logo_url: string | null;
    documentation_url: string | null;
    description: string | null;
    code_example: string | null;
  };
  schema: {
    fields: Record<string, unknown>;
    /** As `blockSchemaChecksum(fields)` computes it (a test holds them equal). */
    checksum: string;
    version: string;
    capabilities: string[];
  };
}

export const SYSTEM_BLOCKS: readonly SystemBlock[] = systemBlocks as SystemBlock[];

export const SYSTEM_BLOCK_SLUGS: readonly string[] = SYSTEM_BLOCKS.map((block) => block.type.slug);

/**
 * The system blocks whose type or schema `installed` lacks; `installed` holds the `slug checksum
 * version` of each protected type's schemas already in D1.
 */
export function missingSystemBlocks(installed: ReadonlySet<string>): SystemBlock[] {
  return SYSTEM_BLOCKS.filter(
    (block) => !installed.has(`${block.type.slug} ${block.schema.checksum} ${block.schema.version}`),
  );
}

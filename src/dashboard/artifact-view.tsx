// An artifact on a page: markdown from the safe reader's tree (every text escaped, no raw HTML), a
// table sortable by its headers (links, no script), a link, a progress bar, an image (docs/artifacts.md).
import type { Artifact } from 'edgeflow/protocol';
import { cellText, sortedRows, tableOf } from '../domain/dashboard/artifact-table';
import { type Block, type Inline, isSafeHref, readMarkdown } from '../domain/dashboard/markdown';

function Inlines(props: { inlines: Inline[] }) {
  return (
    <>
      {props.inlines.map((inline) => {
        switch (inline.kind) {
          case 'strong':
            return <strong>{inline.text}</strong>;
          case 'em':
            return <em>{inline.text}</em>;
          case 'code':
            return <code>{inline.text}</code>;
          case 'link':
            return (
              <a href={inline.href} rel="noopener noreferrer nofollow">
                {inline.text}
              </a>
            );
          default:
            return inline.text;
        }
      })}
    </>
  );
}

function MarkdownBlock(props: { block: Block }) {
  const { block } = props;
  switch (block.kind) {
    case 'heading': {
      // Page headings are h1/h2: an artifact's own start at h3.
      const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
      return (
        <Tag>
          <Inlines inlines={block.inlines} />
        </Tag>
      );
    }
    case 'paragraph':
      return (
        <p>
          <Inlines inlines={block.inlines} />
        </p>
      );
    case 'list': {
      const items = block.items.map((item) => (
        <li>
          <Inlines inlines={item} />
        </li>
      ));
      return block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>;
    }
    case 'code':
      return (
        <pre>
          <code>{block.text}</code>
        </pre>
      );
    case 'rule':
      return <hr />;
  }
}

export function Markdown(props: { source: string }) {
  return (
    <div class="markdown">
      {readMarkdown(props.source).map((block) => (
        <MarkdownBlock block={block} />
      ))}
    </div>
  );
}

function Table(props: { data: unknown; sort?: string; descending: boolean; base: string }) {
  const table = tableOf(props.data);
  if (!table) return <pre>{JSON.stringify(props.data, null, 2)}</pre>;
  const rows = sortedRows(table, props.sort, props.descending);
  return (
    <table class="artifact-table">
      <thead>
        <tr>
          {table.columns.map((column) => {
            const active = props.sort === column;
            const next = active && !props.descending ? 'desc' : 'asc';
            const sortState = active ? (props.descending ? 'descending' : 'ascending') : undefined;
            return (
              <th scope="col" aria-sort={sortState}>
                <a href={`${props.base}?sort=${encodeURIComponent(column)}&order=${next}`}>{column}</a>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            {row.map((cell) => (
              <td>{cellText(cell)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ArtifactBody(props: {
  artifact: Artifact;
  sort?: string;
  descending?: boolean;
  base: string;
}) {
  const { artifact } = props;
  const text = typeof artifact.data === 'string' ? artifact.data : '';
  switch (artifact.type) {
    case 'markdown':
    case 'link':
      return <Markdown source={text} />;
    case 'table':
      return (
        <Table
          data={artifact.data}
          sort={props.sort}
          descending={props.descending ?? false}
          base={props.base}
        />
      );
    case 'progress': {
      const value = typeof artifact.data === 'number' ? artifact.data : 0;
      return (
        <p>
          <progress max={100} value={value} aria-label={artifact.key ?? 'Progress'} /> {value}%
        </p>
      );
    }
    case 'image':
      return isSafeHref(text) ? (
        <img
          src={text}
          alt={artifact.description ?? artifact.key ?? 'Artifact image'}
          class="artifact-image"
        />
      ) : (
        <p class="muted">{text}</p>
      );
    default:
      return <pre>{JSON.stringify(artifact.data, null, 2)}</pre>;
  }
}

import { ClassType, Field, ObjectType } from 'type-graphql';
import { BadUserInputError } from './errors';

/** The largest `first` any paged query accepts (the cost limit assumes it when `first` is a variable). */
export const MAX_PAGE_SIZE = 500;

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  cursorOf(node: T): string;
}

/** Opaque cursors: base64url of "ISO time|id", ordering by (time, id). */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string, field: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (!id || Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError(field, 'not a cursor this API returned');
  return { at, id };
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Relay-style connection types: `{ edges { cursor node } pageInfo { hasNextPage endCursor } }`. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    static from(page: Page<T>): ConnectionType {
      const c = new ConnectionType();
      c.edges = page.nodes.map((n) => Object.assign(new Edge(), { cursor: page.cursorOf(n), node: n }));
      c.pageInfo = { hasNextPage: page.hasNextPage, endCursor: c.edges.at(-1)?.cursor ?? null };
      return c;
    }
  }
  return ConnectionType;
}

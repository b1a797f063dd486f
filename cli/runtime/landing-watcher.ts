/**
 * Turns new objects in the local landing bucket into the EventBridge
 * `Object Created` events that S3 sends on AWS.
 *
 * Detection is by listing (ListObjectsV2) with a seen-set keyed by key, ETag
 * and LastModified, rather than by s3rver's in-process `event` emitter:
 * s3rver runs in its own process under the shared launcher, which prints only
 * its port, and listing needs nothing from the server beyond the S3 API — so
 * it works unchanged against any S3-compatible server. The cost is a scan
 * every `intervalMs` (a few milliseconds for a local bucket) and that
 * rewriting an object with identical bytes in the same second is not seen as
 * new; the pipeline's claim would drop such a duplicate anyway.
 *
 * A server may list an object while its bytes are still being written (plain
 * s3rver does, and may answer the PUT before they are on disk; the local S3
 * server fileflow starts stages its writes and does not): the listed size grows and
 * LastModified can move to the next second, which would make one upload two
 * "versions" — two events, two claims, two deliveries — and the first of them
 * half a file. So a new object is reported only once two listings
 * {@link SETTLE_MS} apart agree on its ETag, size and LastModified, as S3
 * reports an object only when its upload is complete.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';

/** The EventBridge event S3 sends for a new object (the part the pipeline reads, plus the envelope). */
export interface ObjectCreatedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Object Created';
  readonly source: 'aws.s3';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly version: '0';
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size: number; readonly etag: string; readonly sequencer: string };
    readonly 'request-id': string;
    readonly requester: string;
    readonly 'source-ip-address': string;
    readonly reason: 'PutObject';
  };
}

/** How long a new object must list unchanged before it is reported. */
const SETTLE_MS = 50;

/** The account id local events carry (no AWS account is involved). */
const LOCAL_ACCOUNT_ID = '000000000000';

/** What a listing tells about one object. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/** Builds the `Object Created` event S3 would send for `object` in `bucket`. */
export function objectCreatedEvent(bucket: string, region: string, object: ListedObject): ObjectCreatedEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: LOCAL_ACCOUNT_ID,
    time: object.lastModified.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key: object.key, size: object.size, etag: object.etag, sequencer: sequencerOf(object) },
      'request-id': randomUUID(),
      requester: LOCAL_ACCOUNT_ID,
      'source-ip-address': '127.0.0.1',
      reason: 'PutObject',
    },
  };
}

/**
 * S3's sequencer orders the versions of one key; here it is derived from the
 * version's modification time and ETag, so the same version always gets the
 * same sequencer (the claim fingerprint) and a newer one a larger value.
 */
function sequencerOf(object: ListedObject): string {
  const time = object.lastModified.getTime().toString(16).toUpperCase().padStart(12, '0');
  return `${time}${object.etag.replace(/"/g, '').slice(0, 8).toUpperCase()}`;
}

/** Options of {@link LandingWatcher}. */
export interface LandingWatcherOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
  /** Receives each new object's event. */
  readonly onEvent: (event: ObjectCreatedEvent) => void;
}

/** Lists the landing bucket and reports every object version it has not reported before. */
export class LandingWatcher {
  private readonly seen = new Set<string>();

  constructor(private readonly options: LandingWatcherOptions) {}

  /** Marks what is in the bucket now as seen, so only objects landing later become events. */
  async prime(): Promise<void> {
    for (const object of await this.list()) this.seen.add(versionKey(object));
  }

  /**
   * One scan; returns how many new objects it reported. While a new object is
   * still changing, the scan lists again after {@link SETTLE_MS}, so it
   * resolves only once every new object was reported whole.
   */
  async scan(): Promise<number> {
    let reported = 0;
    let unsettled = this.unseen(await this.list());
    while (unsettled.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const now = this.unseen(await this.list());
      for (const [look, object] of now) {
        if (!unsettled.has(look)) continue;
        this.seen.add(versionKey(object));
        this.options.onEvent(objectCreatedEvent(this.options.bucket, this.options.region, object));
        reported += 1;
        now.delete(look);
      }
      unsettled = now;
    }
    return reported;
  }

  /** Listed objects whose version was not reported yet, by what the listing says of them. */
  private unseen(objects: readonly ListedObject[]): Map<string, ListedObject> {
    const unseen = new Map<string, ListedObject>();
    for (const object of objects) {
      if (!this.seen.has(versionKey(object))) unseen.set(`${versionKey(object)}\u0000${object.size}`, object);
    }
    return unseen;
  }

  private async list(): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.options.s3.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, ContinuationToken }),
      );
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        objects.push({
          key: item.Key,
          size: item.Size ?? 0,
          etag: item.ETag ?? '',
          lastModified: item.LastModified ?? new Date(0),
        });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return objects;
  }
}

function versionKey(object: ListedObject): string {
  return `${object.key}\u0000${object.etag}\u0000${object.lastModified.getTime()}`;
}

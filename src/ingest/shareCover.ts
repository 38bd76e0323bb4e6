import type { MqttClient } from 'mqtt';
import type { Counter, Gauge } from 'prom-client';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { IngesterPresence } from '../contract/index.js';

/**
 * Survivors of a share group take over an absent member's session.
 *
 * Mosquitto (and EMQX) go on dealing a shared subscription's messages to a member whose persistent session
 * outlives its connection, and queue them there until it comes back: a killed ingester's share waits for its
 * restart. Starting clean would drop the messages in flight to it instead. So each member announces itself on
 * a retained presence topic, with `absent` as its will; once a member has been absent for
 * MQTT_SHARE_TAKEOVER_SECONDS, one survivor (chosen the same way by every member, from what each reads there)
 * connects with the absent member's client id. The broker hands that connection the session: what it had queued
 * and its share of what comes next, acknowledged only once durable, as on the survivor's own connection. When the
 * member comes back and connects, the broker takes the session back from the survivor (reason 0x8E), and the
 * survivor lets it go: messages it had not acknowledged yet are redelivered to the member (stored twice, which
 * both stores overwrite, never lost).
 */

/** MQTT v5 DISCONNECT reason: another connection took this client id's session. */
const SESSION_TAKEN_OVER = 0x8e;

export interface MemberState {
  present: boolean;
  /** When this member was last seen to arrive or leave (or a cover of it last failed). */
  sinceMs: number;
  /** False once its session was taken back from us, or found empty: not covered again until it leaves anew. */
  coverable: boolean;
}

/**
 * Who covers `absent`: the first present member after it in sorted order, wrapping round. Every member computes
 * the same from the same presence topics, so one covers each absent member, and covers shift as little as
 * possible when members come and go.
 */
export function coveringMember(absent: string, present: Iterable<string>): string | undefined {
  const ids = [...new Set(present)].filter((id) => id !== absent).sort();
  return ids.find((id) => id > absent) ?? ids[0];
}

/** Which absent members' sessions `self` should take over now, and which of those it covers it should let go. */
export function coverPlan(
  self: string,
  members: ReadonlyMap<string, MemberState>,
  covering: ReadonlySet<string>,
  nowMs: number,
  takeoverAfterMs: number,
): { take: string[]; release: string[] } {
  const present = [self, ...[...members].filter(([id, m]) => m.present && id !== self).map(([id]) => id)];
  const take: string[] = [];
  const release: string[] = [];
  for (const [id, m] of members) {
    if (id === self) continue;
    const mine = !m.present && coveringMember(id, present) === self;
    if (covering.has(id)) {
      if (!mine) release.push(id);
    } else if (mine && m.coverable && nowMs - m.sinceMs >= takeoverAfterMs) {
      take.push(id);
    }
  }
  for (const id of covering) if (!members.has(id)) release.push(id);
  return { take, release };
}

export interface ShareCoverOptions {
  /** This ingester's own client id. */
  self: string;
  takeoverAfterMs: number;
  /** A connection on `member`'s session: its client id, persistent, no reconnect, no will, acks deferred like the ingester's own. */
  open(member: string): MqttClient;
  /** A covering connection is gone: what it had not acknowledged is redelivered to whoever holds the session next. */
  closed(client: MqttClient): void;
  /** Resolves once nothing received on `client` waits to be stored and acknowledged, and nothing more comes. */
  drained(client: MqttClient): Promise<void>;
  /** What a member subscribes to: unsubscribed from a retired member's session before it is ended. */
  topics: string[];
  log: Logger;
  covered: Gauge;
  takeovers: Counter;
}

export class ShareCover {
  private readonly members = new Map<string, MemberState>();
  private readonly covering = new Map<string, MqttClient>();
  /** Covered members being retired (their presence was cleared): left to `retire`, not to the plan. */
  private readonly retiring = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: ShareCoverOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(200, Math.min(1000, this.opts.takeoverAfterMs / 2)));
    this.timer.unref();
  }

  /** A presence message for `member`; `presence` undefined when its retained presence was cleared (retired). */
  onPresence(member: string, presence: IngesterPresence | undefined, nowMs = Date.now()): void {
    if (member === this.opts.self || this.stopped) return;
    if (!presence) {
      this.members.delete(member);
      if (this.covering.has(member)) void this.retire(member);
    } else {
      const present = presence.state === 'present';
      const was = this.members.get(member);
      if (was?.present === present) return; // the same news again (a retained copy, a redelivery)
      this.members.set(member, { present, sinceMs: nowMs, coverable: true });
      this.opts.log.info({ member, state: presence.state }, present ? 'share group: member present' : 'share group: member absent');
    }
    this.tick(nowMs);
  }

  /** Sessions held for absent members now. */
  get coveredMembers(): string[] {
    return [...this.covering.keys()];
  }

  tick(nowMs = Date.now()): void {
    if (this.stopped) return;
    const covering = new Set([...this.covering.keys()].filter((id) => !this.retiring.has(id)));
    const plan = coverPlan(this.opts.self, this.members, covering, nowMs, this.opts.takeoverAfterMs);
    for (const id of plan.release) this.release(id);
    for (const id of plan.take) this.take(id, nowMs);
  }

  /** Takes no more sessions over (the process is stopping); those covered stay until `stop`. */
  stopTaking(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Lets every covered session go: what they had not acknowledged goes to the session's next holder. */
  async stop(): Promise<void> {
    this.stopTaking();
    await Promise.all([...this.covering.keys()].map((id) => this.release(id)));
  }

  private take(member: string, nowMs: number): void {
    const state = this.members.get(member)!;
    this.opts.log.info(
      { member, absentSeconds: Math.round((nowMs - state.sinceMs) / 1000) },
      "share group: taking over an absent member's session (its queued messages and its share come here until it is back)",
    );
    const client = this.opts.open(member);
    this.covering.set(member, client);
    this.opts.covered.set(this.covering.size);
    let takenBack = false;
    client.on('connect', (connack) => {
      if (this.covering.get(member) !== client) return;
      if (connack.sessionPresent) {
        this.opts.takeovers.inc();
        return;
      }
      // Nothing held for it (expired, or it never had a session here); ours is an empty one: let it go.
      this.opts.log.info({ member }, 'share group: the broker held no session for the absent member; nothing to take over');
      state.coverable = false;
      void this.release(member);
    });
    client.on('disconnect', (packet) => {
      if (packet.reasonCode === SESSION_TAKEN_OVER) takenBack = true;
    });
    client.on('error', (err) => this.opts.log.warn({ member, err: errorMessage(err) }, 'share group: covering connection error'));
    client.on('close', () => {
      if (this.covering.get(member) !== client) return; // let go by us
      this.covering.delete(member);
      this.opts.covered.set(this.covering.size);
      this.opts.closed(client);
      client.end(true);
      const now = this.members.get(member);
      if (takenBack) {
        // The member (or another survivor) connected with its client id: it holds the session now.
        if (now) now.coverable = false;
        this.opts.log.info({ member }, 'share group: the session was taken back (the member reconnected); handed over');
      } else {
        if (now) now.sinceMs = Date.now(); // tried again after MQTT_SHARE_TAKEOVER_SECONDS
        this.opts.log.warn({ member }, 'share group: lost the connection covering an absent member; trying again');
      }
    });
  }

  /**
   * A covered member's retained presence was cleared: it is retired. Its session is unsubscribed first (so the
   * broker deals it nothing more), drained, then ended with it: nothing is left to queue there until it expires.
   */
  private async retire(member: string): Promise<void> {
    const client = this.covering.get(member)!;
    this.retiring.add(member);
    this.opts.log.info({ member }, "share group: member retired (its presence was cleared): unsubscribing its session, storing what it holds, ending it");
    try {
      await client.unsubscribeAsync(this.opts.topics);
      await this.opts.drained(client);
      if (this.covering.get(member) !== client) return; // taken back meanwhile: it isn't retired after all
      this.covering.delete(member);
      this.opts.covered.set(this.covering.size);
      this.opts.closed(client);
      await client.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
      this.opts.log.info({ member }, "share group: retired member's session ended");
    } catch (err) {
      this.opts.log.warn({ member, err: errorMessage(err) }, "share group: could not retire the member's session; it stays covered");
    } finally {
      this.retiring.delete(member);
    }
  }

  private async release(member: string): Promise<void> {
    const client = this.covering.get(member);
    if (!client) return;
    this.covering.delete(member);
    this.opts.covered.set(this.covering.size);
    this.opts.closed(client);
    this.opts.log.info({ member }, "share group: letting an absent member's session go");
    await client.endAsync(false).catch(() => client.end(true));
  }
}

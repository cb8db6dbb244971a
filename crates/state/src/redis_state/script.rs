//! The Lua scripts that make multi-step operations atomic on Redis, one round trip each.
//!
//! `redis::Script` sends `EVALSHA` and falls back to loading the script when Redis does not
//! know it yet (after a restart or a `SCRIPT FLUSH`).

use std::sync::LazyLock;

use redis::Script;

/// GCRA, transcribed from `crate::rate::gcra_step` in integer microseconds on the Redis
/// server's clock. KEYS[1] = the key's TAT; ARGV = interval, tolerance (µs).
/// Returns {allowed, retry_after_us, remaining, reset_after_us}.
pub(super) static RATE_LIMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, allow_at - now, 0, tat - now}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)
return {1, 0, math.floor((tolerance - (new_tat - now)) / interval), new_tat - now}
",
    )
});

/// The rank of a member and the members `radius` ranks either side of it.
/// KEYS[1] = the set; ARGV = member, radius. Returns nil, or {first_rank, {member, score, …}}.
pub(super) static AROUND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return false end
local radius = tonumber(ARGV[2])
local first = rank - radius
if first < 0 then first = 0 end
return {first, redis.call('ZRANGE', KEYS[1], first, rank + radius, 'WITHSCORES')}
",
    )
});

/// Takes a free lease, or extends one the holder already has.
/// KEYS[1] = the lease (hash: holder, fence), KEYS[2] = the name's fence counter (no TTL, so
/// fences keep rising across lapses). ARGV = holder, ttl_ms. Returns the fence, or nil when
/// another holder has it.
pub(super) static ACQUIRE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('HMGET', KEYS[1], 'holder', 'fence')
if held[1] then
  if held[1] ~= ARGV[1] then return false end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(held[2])
end
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'fence', fence)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return fence
",
    )
});

/// Extends the lease when ARGV[1] holds it with fence ARGV[2]; ARGV[3] = ttl_ms. Returns 1 or 0.
pub(super) static RENEW_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('HMGET', KEYS[1], 'holder', 'fence')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
",
    )
});

/// `DEL` only while the value is still ARGV[1]: one writer does not remove another's value.
pub(super) static DELETE_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
",
    )
});

/// Frees the lease when ARGV[1] holds it with fence ARGV[2]. Returns 1 or 0.
pub(super) static RELEASE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('HMGET', KEYS[1], 'holder', 'fence')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
",
    )
});

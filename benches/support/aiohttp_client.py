"""A simple asyncio + aiohttp load client for OpenAI Chat streams, of the
kind vLLM's benchmark uses (benchmarks/backend_request_func.py): each chunk
line is stripped, `data: ` removed as a prefix, the JSON parsed, and the
first token and each chunk with text timed with time.perf_counter(). It is
the baseline that benches/overhead.sh measures `ssecat bench` against, so
it does what that client does and no more (no tokenizer, no progress bar).

    python aiohttp_client.py URL -c CONCURRENCY -n REQUESTS [--warmup N] BODY

Closed loop: CONCURRENCY workers share one session (vLLM's newer versions
share a session too; older ones opened one per request), each sending its
next request when the last one ends. The first --warmup requests are left
out of the figures. Prints one JSON object: completed, failed, and p50 and
p99 (nearest rank) of ttft_ms, itl_ms (inter-chunk) and tpot_ms.
"""

import argparse
import asyncio
import json
import math
import time

import aiohttp


async def one_request(session, url, body):
    """Sends one request; returns (ttft, itl list, latency, chunks) in
    seconds, or None when it failed."""
    ttft = 0.0
    itl = []
    chunks = 0
    start = time.perf_counter()
    last = start
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        if response.status != 200:
            return None
        async for line in response.content:
            line = line.strip()
            if not line:
                continue
            chunk = line.decode("utf-8").removeprefix("data: ")
            if chunk == "[DONE]":
                break
            now = time.perf_counter()
            data = json.loads(chunk)
            choices = data.get("choices")
            if choices and choices[0]["delta"].get("content"):
                chunks += 1
                if ttft == 0.0:
                    ttft = now - start
                else:
                    itl.append(now - last)
                last = now
    return ttft, itl, last - start, chunks


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[max(0, math.ceil(q * len(values)) - 1)] * 1000


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("body")
    parser.add_argument("-c", "--concurrency", type=int, default=1)
    parser.add_argument("-n", "--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=0)
    args = parser.parse_args()
    body = args.body.encode()
    total = args.requests + args.warmup
    taken = 0
    ttfts, itls, tpots = [], [], []
    completed = failed = 0

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=6 * 60 * 60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker():
            nonlocal taken, completed, failed
            while taken < total:
                number = taken
                taken += 1
                try:
                    result = await one_request(session, args.url, body)
                except Exception:
                    result = None
                if number < args.warmup:
                    continue
                if result is None:
                    failed += 1
                    continue
                completed += 1
                ttft, itl, latency, chunks = result
                ttfts.append(ttft)
                itls.extend(itl)
                if chunks > 1:
                    tpots.append((latency - ttft) / (chunks - 1))

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))

    figures = {"completed": completed, "failed": failed}
    for name, values in (("ttft_ms", ttfts), ("itl_ms", itls), ("tpot_ms", tpots)):
        figures[name] = {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99)}
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())

#!/usr/bin/env python3
"""SDK cross-check: `ssecat serve` against the official client libraries.

Starts `ssecat serve` (three of them: a plain one, one with
`--fault status=429,retry-after=1` and one with `--fault error-after=2`),
points each vendor's own Python SDK at it with a fake API key, and checks
with exact assertions that the SDK reads what serve meant to send: the
text, the finish reason, the token usage, the length stop, the rate-limit
error class and the in-stream error.

    python tests/sdk/check.py [PATH-TO-SSECAT]

The binary is the argument, else $SSECAT_BIN, else the newer of
target/debug/ssecat and target/release/ssecat. The SDKs come from
tests/sdk/requirements.txt (.ci/run installs them into target/sdk-venv).
Prints one line per check; stops at the first mismatch with exit 1.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Quotes, a backslash, a newline, non-ASCII, a flag (two code points) and an emoji.
TEXT = 'Say "hi" to C:\\ and\na new line: café, naïve — 🦀 🇫🇷 done!'
# serve's tokens: each word with the whitespace before it.
TOKENS = re.findall(r"\s*\S+", TEXT)
assert "".join(TOKENS) == TEXT and len(TOKENS) == 14, TOKENS
OUT = len(TOKENS)
PROMPT = "Please say hello to me"
IN = 5  # words of PROMPT
MAX = 3  # the max tokens asked for in the length checks
CUT = "".join(TOKENS[:MAX])
ERR_AFTER = 2  # --fault error-after=2
ERR_TEXT = "".join(TOKENS[:ERR_AFTER])
FAULT_429 = "ssecat serve: status 429, as --fault asked"
FAULT_ERR = "ssecat serve: an error, as --fault asked"
TIMEOUT = 30.0  # seconds, for every SDK call: a hang fails instead of stalling CI
WHOLE_RUN = 300  # seconds
MODEL = "mock-model"


class Mismatch(AssertionError):
    pass


def eq(what, got, want):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def raises(fn, cls):
    """Runs fn, which must raise cls (or a subclass); returns the exception."""
    try:
        fn()
    except cls as e:
        return e
    except Exception as e:  # the wrong class
        raise Mismatch(f"want {cls.__module__}.{cls.__qualname__}, got {type(e).__module__}.{type(e).__qualname__}: {e}") from e
    raise Mismatch(f"want {cls.__module__}.{cls.__qualname__} raised, nothing was")


class Serve:
    """One `ssecat serve` child on 127.0.0.1, port 0; stderr is collected."""

    def __init__(self, binary, *extra):
        self.args = [binary, "serve", "--listen", "127.0.0.1:0", "--text", TEXT, *extra]
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        first = self.proc.stderr.readline().decode("utf-8", "replace").rstrip("\n")
        m = re.fullmatch(r"ssecat: listening on (http://127\.0\.0\.1:(\d+))", first)
        if not m:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            rest = self.proc.stderr.read().decode("utf-8", "replace")
            raise Mismatch(f"{' '.join(self.args[:2])}: first stderr line {first!r}, want 'ssecat: listening on http://127.0.0.1:PORT'\n{rest}")
        self.url = m.group(1)
        self.lines = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def requests(self):
        return [l for l in self.lines if re.match(r"ssecat: \S+ [A-Z]+ /", l)]

    def stop(self):
        """SIGTERM; serve must exit 0. Returns its log lines."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Mismatch(f"serve {self.url} did not exit within 10 s of SIGTERM")
        self.reader.join(timeout=5)
        if code != 0:
            raise Mismatch(f"serve {self.url} exited {code} on SIGTERM, want 0; its log:\n" + "\n".join(self.lines))
        return self.lines


def pick_binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("SSECAT_BIN"):
        return os.environ["SSECAT_BIN"]
    found = [p for p in (os.path.join(ROOT, "target", k, "ssecat") for k in ("debug", "release")) if os.path.exists(p)]
    if not found:
        sys.exit("check.py: no ssecat binary: build one (cargo build), or pass its path or set SSECAT_BIN")
    return max(found, key=os.path.getmtime)


# --- the checks ---------------------------------------------------------
# Each builder takes the three servers' URLs and returns [(name, fn)].

USER = [{"role": "user", "content": PROMPT}]


def openai_checks(ok, r429, rerr):
    import openai

    def client(url):
        return openai.OpenAI(base_url=url + "/v1", api_key="sk-fake", max_retries=0, timeout=TIMEOUT)

    c, c429, cerr = client(ok), client(r429), client(rerr)

    def chat_stream():
        chunks = list(c.chat.completions.create(model=MODEL, messages=USER, stream=True, stream_options={"include_usage": True}))
        eq("text", "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices), TEXT)
        eq("finish reasons", [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason], ["stop"])
        eq("first delta role", chunks[0].choices[0].delta.role, "assistant")
        eq("usage only on the last chunk", [ch.usage is not None for ch in chunks], [False] * (len(chunks) - 1) + [True])
        u = chunks[-1].usage
        eq("usage", (u.prompt_tokens, u.completion_tokens, u.total_tokens), (IN, OUT, IN + OUT))
        eq("last chunk choices", chunks[-1].choices, [])
        eq("one id", len({ch.id for ch in chunks}), 1)

    def chat_stream_no_usage():
        chunks = list(c.chat.completions.create(model=MODEL, messages=USER, stream=True))
        eq("text", "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices), TEXT)
        eq("usage without include_usage", [ch.usage for ch in chunks], [None] * len(chunks))

    def chat_helper():
        with c.chat.completions.stream(model=MODEL, messages=USER, stream_options={"include_usage": True}) as s:
            deltas = [e.delta for e in s if e.type == "content.delta"]
            final = s.get_final_completion()
        eq("content.delta text", "".join(deltas), TEXT)
        eq("final content", final.choices[0].message.content, TEXT)
        eq("final finish_reason", final.choices[0].finish_reason, "stop")
        eq("final usage", (final.usage.prompt_tokens, final.usage.completion_tokens), (IN, OUT))

    def chat_whole():
        r = c.chat.completions.create(model=MODEL, messages=USER)
        eq("content", r.choices[0].message.content, TEXT)
        eq("finish_reason", r.choices[0].finish_reason, "stop")
        eq("usage", (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens), (IN, OUT, IN + OUT))
        eq("object", r.object, "chat.completion")

    def chat_length():
        chunks = list(c.chat.completions.create(model=MODEL, messages=USER, max_tokens=MAX, stream=True, stream_options={"include_usage": True}))
        eq("text", "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices), CUT)
        eq("finish reasons", [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason], ["length"])
        eq("usage", (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens), (IN, MAX))
        r = c.chat.completions.create(model=MODEL, messages=USER, max_completion_tokens=MAX)
        eq("whole, max_completion_tokens: content", r.choices[0].message.content, CUT)
        eq("whole, max_completion_tokens: finish_reason", r.choices[0].finish_reason, "length")

        # The .stream() helper's final completion is parsed, and parsing
        # raises on a length finish, by design (whatever response_format).
        def helper():
            with c.chat.completions.stream(model=MODEL, messages=USER, max_tokens=MAX) as s:
                for _ in s:
                    pass
                s.get_final_completion()
        e = raises(helper, openai.LengthFinishReasonError)
        eq("helper: content", e.completion.choices[0].message.content, CUT)
        eq("helper: finish_reason", e.completion.choices[0].finish_reason, "length")

    def chat_429():
        for stream in (True, False):
            e = raises(lambda: c429.chat.completions.create(model=MODEL, messages=USER, stream=stream), openai.RateLimitError)
            eq("status", e.status_code, 429)
            eq("error code", e.code, "rate_limit_exceeded")
            eq("error message", e.body["message"], FAULT_429)
            eq("retry-after", e.response.headers.get("retry-after"), "1")

    def chat_error_event():
        got = []

        def run():
            for ch in cerr.chat.completions.create(model=MODEL, messages=USER, stream=True):
                if ch.choices:
                    got.append(ch.choices[0].delta.content or "")
        e = raises(run, openai.APIError)
        eq("class", type(e), openai.APIError)  # an in-stream error, not a status error
        eq("message", e.message, FAULT_ERR)
        eq("text before the error", "".join(got), ERR_TEXT)

    def resp_stream():
        events = list(c.responses.create(model=MODEL, input=PROMPT, stream=True))
        eq("text", "".join(e.delta for e in events if e.type == "response.output_text.delta"), TEXT)
        eq("sequence numbers", [e.sequence_number for e in events], list(range(len(events))))
        eq("first event", events[0].type, "response.created")
        last = events[-1]
        eq("last event", last.type, "response.completed")
        eq("status", last.response.status, "completed")
        eq("output_text", last.response.output_text, TEXT)
        u = last.response.usage
        eq("usage", (u.input_tokens, u.output_tokens, u.total_tokens), (IN, OUT, IN + OUT))
        done = [e.text for e in events if e.type == "response.output_text.done"]
        eq("output_text.done", done, [TEXT])

    def resp_helper():
        with c.responses.stream(model=MODEL, input=PROMPT) as s:
            deltas = [e.delta for e in s if e.type == "response.output_text.delta"]
            final = s.get_final_response()
        eq("deltas", "".join(deltas), TEXT)
        eq("final output_text", final.output_text, TEXT)
        eq("final status", final.status, "completed")
        eq("final usage", (final.usage.input_tokens, final.usage.output_tokens), (IN, OUT))

    def resp_whole():
        r = c.responses.create(model=MODEL, input=PROMPT)
        eq("output_text", r.output_text, TEXT)
        eq("status", r.status, "completed")
        eq("usage", (r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens), (IN, OUT, IN + OUT))

    def resp_length():
        events = list(c.responses.create(model=MODEL, input=PROMPT, max_output_tokens=MAX, stream=True))
        eq("text", "".join(e.delta for e in events if e.type == "response.output_text.delta"), CUT)
        last = events[-1]
        eq("last event", last.type, "response.incomplete")
        eq("status", last.response.status, "incomplete")
        eq("incomplete reason", last.response.incomplete_details.reason, "max_output_tokens")
        eq("usage", (last.response.usage.input_tokens, last.response.usage.output_tokens), (IN, MAX))
        r = c.responses.create(model=MODEL, input=PROMPT, max_output_tokens=MAX)
        eq("whole: output_text", r.output_text, CUT)
        eq("whole: status", r.status, "incomplete")
        eq("whole: reason", r.incomplete_details.reason, "max_output_tokens")

    def resp_429():
        for stream in (True, False):
            e = raises(lambda: c429.responses.create(model=MODEL, input=PROMPT, stream=stream), openai.RateLimitError)
            eq("status", e.status_code, 429)
            eq("error message", e.body["message"], FAULT_429)

    def resp_error_event():
        events = list(cerr.responses.create(model=MODEL, input=PROMPT, stream=True))
        eq("text before the error", "".join(e.delta for e in events if e.type == "response.output_text.delta"), ERR_TEXT)
        last = events[-1]
        eq("last event", last.type, "response.failed")
        eq("status", last.response.status, "failed")
        eq("error message", last.response.error.message, FAULT_ERR)
        eq("error code", last.response.error.code, "server_error")

    return [
        ("openai chat stream", chat_stream),
        ("openai chat stream, no include_usage", chat_stream_no_usage),
        ("openai chat .stream() helper", chat_helper),
        ("openai chat non-stream", chat_whole),
        ("openai chat max_tokens (stream, whole, helper)", chat_length),
        ("openai chat 429 -> RateLimitError", chat_429),
        ("openai chat error-after -> APIError", chat_error_event),
        ("openai responses stream", resp_stream),
        ("openai responses .stream() helper", resp_helper),
        ("openai responses non-stream", resp_whole),
        ("openai responses max_output_tokens", resp_length),
        ("openai responses 429 -> RateLimitError", resp_429),
        ("openai responses error-after -> response.failed", resp_error_event),
    ]


def anthropic_checks(ok, r429, rerr):
    import anthropic

    def client(url):
        return anthropic.Anthropic(base_url=url, api_key="sk-ant-fake", max_retries=0, timeout=TIMEOUT)

    c, c429, cerr = client(ok), client(r429), client(rerr)

    def stream(max_tokens, text, reason, n_out):
        with c.messages.stream(model=MODEL, max_tokens=max_tokens, messages=USER) as s:
            got = "".join(s.text_stream)
            m = s.get_final_message()
        eq("text_stream", got, text)
        eq("final text", [b.text for b in m.content], [text])
        eq("stop_reason", m.stop_reason, reason)
        eq("usage", (m.usage.input_tokens, m.usage.output_tokens), (IN, n_out))

    def whole():
        m = c.messages.create(model=MODEL, max_tokens=100, messages=USER)
        eq("text", [b.text for b in m.content], [TEXT])
        eq("stop_reason", m.stop_reason, "end_turn")
        eq("usage", (m.usage.input_tokens, m.usage.output_tokens), (IN, OUT))
        m = c.messages.create(model=MODEL, max_tokens=MAX, messages=USER)
        eq("max_tokens: text", [b.text for b in m.content], [CUT])
        eq("max_tokens: stop_reason", m.stop_reason, "max_tokens")
        eq("max_tokens: usage", m.usage.output_tokens, MAX)

    def raw_events():
        evs = list(c.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True))
        eq("event types", [e.type for e in evs if e.type != "content_block_delta"],
           ["message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop"])
        eq("deltas", "".join(e.delta.text for e in evs if e.type == "content_block_delta"), TEXT)

    def r429_():
        for s in (True, False):
            e = raises(lambda: c429.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=s), anthropic.RateLimitError)
            eq("status", e.status_code, 429)
            eq("error type", e.body["error"]["type"], "rate_limit_error")
            eq("error message", e.body["error"]["message"], FAULT_429)
            eq("retry-after", e.response.headers.get("retry-after"), "1")

    def error_event():
        got = []

        def run():
            with cerr.messages.stream(model=MODEL, max_tokens=100, messages=USER) as s:
                for t in s.text_stream:
                    got.append(t)
        e = raises(run, anthropic.APIStatusError)
        eq("error type", e.body["error"]["type"], "api_error")
        eq("error message", e.body["error"]["message"], FAULT_ERR)
        eq("text before the error", "".join(got), ERR_TEXT)

    return [
        ("anthropic messages.stream()", lambda: stream(100, TEXT, "end_turn", OUT)),
        ("anthropic raw stream events", raw_events),
        ("anthropic non-stream (end_turn, max_tokens)", whole),
        ("anthropic max_tokens stream", lambda: stream(MAX, CUT, "max_tokens", MAX)),
        ("anthropic 429 -> RateLimitError", r429_),
        ("anthropic error-after -> APIStatusError", error_event),
    ]


def gemini_checks(ok, r429, rerr):
    from google import genai
    from google.genai import errors, types

    def client(url):
        # retry_options=None: the SDK makes one attempt only.
        return genai.Client(api_key="fake-gemini-key", http_options=types.HttpOptions(base_url=url, retry_options=None, timeout=int(TIMEOUT * 1000)))

    c, c429, cerr = client(ok), client(r429), client(rerr)

    def stream(config, text, reason, n_out):
        chunks = list(c.models.generate_content_stream(model="gemini-mock", contents=PROMPT, config=config))
        eq("text", "".join(ch.text or "" for ch in chunks), text)
        eq("finish reasons", [ch.candidates[0].finish_reason for ch in chunks if ch.candidates[0].finish_reason], [reason])
        u = chunks[-1].usage_metadata
        eq("usage", (u.prompt_token_count, u.candidates_token_count, u.total_token_count), (IN, n_out, IN + n_out))

    def whole():
        r = c.models.generate_content(model="gemini-mock", contents=PROMPT)
        eq("text", r.text, TEXT)
        eq("finish_reason", r.candidates[0].finish_reason, types.FinishReason.STOP)
        u = r.usage_metadata
        eq("usage", (u.prompt_token_count, u.candidates_token_count, u.total_token_count), (IN, OUT, IN + OUT))
        r = c.models.generate_content(model="gemini-mock", contents=PROMPT, config=types.GenerateContentConfig(max_output_tokens=MAX))
        eq("max: text", r.text, CUT)
        eq("max: finish_reason", r.candidates[0].finish_reason, types.FinishReason.MAX_TOKENS)
        eq("max: candidates_token_count", r.usage_metadata.candidates_token_count, MAX)

    def r429_():
        for fn in (lambda: list(c429.models.generate_content_stream(model="gemini-mock", contents=PROMPT)),
                   lambda: c429.models.generate_content(model="gemini-mock", contents=PROMPT)):
            e = raises(fn, errors.ClientError)
            eq("code", e.code, 429)
            eq("status", e.status, "RESOURCE_EXHAUSTED")
            eq("message", e.message, FAULT_429)

    def error_event():
        got = []

        def run():
            for ch in cerr.models.generate_content_stream(model="gemini-mock", contents=PROMPT):
                got.append(ch.text or "")
        e = raises(run, errors.ServerError)
        eq("code", e.code, 500)
        eq("status", e.status, "INTERNAL")
        eq("message", e.message, FAULT_ERR)
        eq("text before the error", "".join(got), ERR_TEXT)

    return [
        ("gemini generate_content_stream", lambda: stream(None, TEXT, types.FinishReason.STOP, OUT)),
        ("gemini non-stream (stop, max)", whole),
        ("gemini max_output_tokens stream", lambda: stream(types.GenerateContentConfig(max_output_tokens=MAX), CUT, types.FinishReason.MAX_TOKENS, MAX)),
        ("gemini 429 -> ClientError(429)", r429_),
        ("gemini error-after -> ServerError(500)", error_event),
    ]


def cohere_checks(ok, r429, rerr):
    import cohere
    from cohere.errors import TooManyRequestsError

    def client(url):
        return cohere.ClientV2(api_key="fake-cohere-key", base_url=url, timeout=TIMEOUT)

    NORETRY = {"max_retries": 0}  # the client's default is 2, on 429 too
    c, c429, cerr = client(ok), client(r429), client(rerr)

    def stream(kw, text, reason, n_out):
        evs = list(c.chat_stream(model="command-mock", messages=USER, request_options=NORETRY, **kw))
        eq("text", "".join(e.delta.message.content.text for e in evs if e.type == "content-delta"), text)
        eq("first/last event", (evs[0].type, evs[-1].type), ("message-start", "message-end"))
        end = evs[-1].delta
        eq("finish_reason", end.finish_reason, reason)
        eq("usage tokens", (end.usage.tokens.input_tokens, end.usage.tokens.output_tokens), (IN, n_out))
        eq("usage billed_units", (end.usage.billed_units.input_tokens, end.usage.billed_units.output_tokens), (IN, n_out))

    def whole():
        r = c.chat(model="command-mock", messages=USER, request_options=NORETRY)
        eq("text", [p.text for p in r.message.content], [TEXT])
        eq("finish_reason", r.finish_reason, "COMPLETE")
        eq("usage tokens", (r.usage.tokens.input_tokens, r.usage.tokens.output_tokens), (IN, OUT))
        r = c.chat(model="command-mock", messages=USER, max_tokens=MAX, request_options=NORETRY)
        eq("max: text", [p.text for p in r.message.content], [CUT])
        eq("max: finish_reason", r.finish_reason, "MAX_TOKENS")

    def r429_():
        for fn in (lambda: list(c429.chat_stream(model="command-mock", messages=USER, request_options=NORETRY)),
                   lambda: c429.chat(model="command-mock", messages=USER, request_options=NORETRY)):
            e = raises(fn, TooManyRequestsError)
            eq("status", e.status_code, 429)
            eq("body", e.body, {"message": FAULT_429})

    def error_event():
        # Cohere's stream has no error event: it ends with message-end, finish_reason ERROR.
        evs = list(cerr.chat_stream(model="command-mock", messages=USER, request_options=NORETRY))
        eq("text before the error", "".join(e.delta.message.content.text for e in evs if e.type == "content-delta"), ERR_TEXT)
        eq("last event", evs[-1].type, "message-end")
        eq("finish_reason", evs[-1].delta.finish_reason, "ERROR")
        eq("error", evs[-1].delta.error, FAULT_ERR)

    return [
        ("cohere chat_stream", lambda: stream({}, TEXT, "COMPLETE", OUT)),
        ("cohere non-stream (complete, max)", whole),
        ("cohere max_tokens stream", lambda: stream({"max_tokens": MAX}, CUT, "MAX_TOKENS", MAX)),
        ("cohere 429 -> TooManyRequestsError", r429_),
        ("cohere error-after -> message-end ERROR", error_event),
    ]


def ollama_checks(ok, r429, rerr):
    import ollama

    def client(url):
        return ollama.Client(host=url, timeout=TIMEOUT)

    c, c429, cerr = client(ok), client(r429), client(rerr)

    def chat(options, text, reason, n_out):
        parts = list(c.chat(model="llama-mock", messages=USER, stream=True, options=options))
        eq("text", "".join(p.message.content for p in parts), text)
        eq("done flags", [p.done for p in parts], [False] * (len(parts) - 1) + [True])
        last = parts[-1]
        eq("done_reason", last.done_reason, reason)
        eq("usage", (last.prompt_eval_count, last.eval_count), (IN, n_out))

    def generate(options, text, reason, n_out):
        parts = list(c.generate(model="llama-mock", prompt=PROMPT, stream=True, options=options))
        eq("text", "".join(p.response for p in parts), text)
        eq("done flags", [p.done for p in parts], [False] * (len(parts) - 1) + [True])
        last = parts[-1]
        eq("done_reason", last.done_reason, reason)
        eq("usage", (last.prompt_eval_count, last.eval_count), (IN, n_out))

    def whole():
        r = c.chat(model="llama-mock", messages=USER)
        eq("chat: text", r.message.content, TEXT)
        eq("chat: done_reason", r.done_reason, "stop")
        eq("chat: usage", (r.prompt_eval_count, r.eval_count), (IN, OUT))
        r = c.generate(model="llama-mock", prompt=PROMPT)
        eq("generate: text", r.response, TEXT)
        eq("generate: done_reason", r.done_reason, "stop")
        eq("generate: usage", (r.prompt_eval_count, r.eval_count), (IN, OUT))
        r = c.chat(model="llama-mock", messages=USER, options={"num_predict": MAX})
        eq("chat num_predict: text", r.message.content, CUT)
        eq("chat num_predict: done_reason", r.done_reason, "length")

    def r429_():
        for fn in (lambda: list(c429.chat(model="llama-mock", messages=USER, stream=True)),
                   lambda: c429.chat(model="llama-mock", messages=USER),
                   lambda: list(c429.generate(model="llama-mock", prompt=PROMPT, stream=True))):
            e = raises(fn, ollama.ResponseError)
            eq("status_code", e.status_code, 429)
            eq("error", e.error, FAULT_429)

    def error_event():
        for name, fn, field in (("chat", lambda: cerr.chat(model="llama-mock", messages=USER, stream=True), lambda p: p.message.content),
                                ("generate", lambda: cerr.generate(model="llama-mock", prompt=PROMPT, stream=True), lambda p: p.response)):
            got = []

            def run():
                for p in fn():
                    got.append(field(p))
            e = raises(run, ollama.ResponseError)
            eq(f"{name}: error", e.error, FAULT_ERR)
            eq(f"{name}: text before the error", "".join(got), ERR_TEXT)

    return [
        ("ollama chat stream", lambda: chat(None, TEXT, "stop", OUT)),
        ("ollama generate stream", lambda: generate(None, TEXT, "stop", OUT)),
        ("ollama non-stream (chat, generate, num_predict)", whole),
        ("ollama num_predict stream (chat, generate)", lambda: (chat({"num_predict": MAX}, CUT, "length", MAX), generate({"num_predict": MAX}, CUT, "length", MAX))),
        ("ollama 429 -> ResponseError(429)", r429_),
        ("ollama error-after -> ResponseError", error_event),
    ]


def tgi_checks(ok, r429, rerr):
    # huggingface_hub's InferenceClient posts to the URL it is given as the
    # model, so it is given serve's TGI paths (it would post to "/", which
    # a real TGI routes by "stream" and serve does not route).
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import GenerationError, OverloadedError

    def client(url, path):
        return InferenceClient(model=url + path, token="hf_fake", timeout=TIMEOUT)

    # Kept alive: a streamed response lives in the client's exit stack, and
    # a client garbage-collected mid-stream closes it (httpx2.StreamClosed).
    gen, gen_stream = client(ok, "/generate"), client(ok, "/generate_stream")
    stream429, stream_err = client(r429, "/generate_stream"), client(rerr, "/generate_stream")

    def stream(kw, text, reason, n_out):
        outs = list(gen_stream.text_generation(PROMPT, stream=True, details=True, **kw))
        eq("text", "".join(o.token.text for o in outs if not o.token.special), text)
        last = outs[-1]
        eq("generated_text", last.generated_text, text)
        eq("finish_reason", last.details.finish_reason, reason)
        eq("generated_tokens", last.details.generated_tokens, n_out)

    def whole():
        r = gen.text_generation(PROMPT, details=True)
        eq("generated_text", r.generated_text, TEXT)
        eq("finish_reason", r.details.finish_reason, "eos_token")
        eq("generated_tokens (with </s>)", r.details.generated_tokens, OUT + 1)
        r = gen.text_generation(PROMPT, details=True, max_new_tokens=MAX)
        eq("max: generated_text", r.generated_text, CUT)
        eq("max: finish_reason", r.details.finish_reason, "length")
        eq("max: generated_tokens", r.details.generated_tokens, MAX)

    def r429_():
        # TGI's 429 body has error_type "overloaded": the client raises its
        # OverloadedError (a TextGenerationError), TGI's rate-limit class.
        e = raises(lambda: list(stream429.text_generation(PROMPT, stream=True, details=True)), OverloadedError)
        eq("message", str(e), FAULT_429)
        eq("status of the response", e.__cause__.response.status_code, 429)

    def error_event():
        got = []

        def run():
            for o in stream_err.text_generation(PROMPT, stream=True, details=True):
                got.append(o.token.text)
        e = raises(run, GenerationError)
        eq("message", str(e), FAULT_ERR)
        eq("text before the error", "".join(got), ERR_TEXT)

    return [
        ("tgi (huggingface_hub) text_generation stream", lambda: stream({}, TEXT, "eos_token", OUT + 1)),
        ("tgi (huggingface_hub) non-stream (eos, length)", whole),
        ("tgi (huggingface_hub) max_new_tokens stream", lambda: stream({"max_new_tokens": MAX}, CUT, "length", MAX)),
        ("tgi (huggingface_hub) 429 -> OverloadedError", r429_),
        ("tgi (huggingface_hub) error-after -> GenerationError", error_event),
    ]


# The calls made to the 429 serve: openai chat 2, responses 2, anthropic 2,
# gemini 2, cohere 2, ollama 3, tgi 1. One more in its log = a retry.
WANT_429 = 14

SUITES = [openai_checks, anthropic_checks, gemini_checks, cohere_checks, ollama_checks, tgi_checks]


def main():
    binary = pick_binary()
    if not os.access(binary, os.X_OK):
        sys.exit(f"check.py: {binary} is not an executable ssecat")
    print(f"sdk cross-check: {binary}", flush=True)
    servers = []
    failed = None
    count = 0
    # A bound on the whole run, against a hang the SDKs' timeouts miss: it
    # fails the check at hand, and the servers are still stopped.
    def alarm(*_):
        raise TimeoutError(f"the cross-check took over {WHOLE_RUN} s")
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(WHOLE_RUN)
    try:
        try:
            for extra in ((), ("--fault", "status=429,retry-after=1"), ("--fault", f"error-after={ERR_AFTER}")):
                servers.append(Serve(binary, *extra))
        except Mismatch as e:
            failed = ("start ssecat serve", e)
        ok, r429, rerr = (servers + [None] * 3)[:3]
        for suite in SUITES if not failed else []:
            try:
                checks = suite(ok.url, r429.url, rerr.url)
            except Exception as e:  # an SDK that does not import
                failed = (suite.__name__, e)
                break
            for name, fn in checks:
                try:
                    fn()
                except Exception as e:
                    failed = (name, e)
                    break
                print(f"ok  {name}", flush=True)
                count += 1
            if failed:
                break
        if not failed:
            # serve logs a request once its response is over, which may be
            # just after the client has read it: wait for the lines (no
            # time is asserted; 10 s is only a bound against a hang).
            deadline = time.monotonic() + 10
            while len(r429.requests()) < WANT_429 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        signal.alarm(0)
        for s in servers:
            try:
                s.stop()
            except Mismatch as e:
                if not failed:
                    failed = ("stop serve", e)
    sys.stdout.flush()
    if failed:
        name, e = failed
        print(f"FAIL {name}: {e}")
        if not isinstance(e, Mismatch):
            traceback.print_exception(e, file=sys.stdout)
        for s in servers:
            print(f"--- log of serve {s.url} {' '.join(s.args[7:])} (last 10 lines):")
            for line in s.lines[-10:]:
                print("  " + line)
        print(f"sdk cross-check: FAILED after {count} checks")
        return 1
    try:
        eq("requests the 429 serve got (an SDK retried?)", len(r429.requests()), WANT_429)
        eq("statuses in the 429 serve's log", sorted({re.search(r" (\d{3}) ", l).group(1) for l in r429.requests()}), ["429"])
    except Mismatch as e:
        print(f"FAIL no retries on 429: {e}")
        print(f"sdk cross-check: FAILED after {count} checks")
        return 1
    print("ok  no SDK retried a 429 (serve logged each request once); servers exited 0 on SIGTERM")
    print(f"sdk cross-check: all {count + 1} checks ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

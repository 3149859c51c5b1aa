
use builtin;
use str;

set edit:completion:arg-completer[ssecat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ssecat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ssecat'= {
            cand --generate 'Print shell completions or the man page, generated from this definition, and exit (for packagers)'
            cand -H 'A request header, ''Name: value'' (repeatable)'
            cand --header 'A request header, ''Name: value'' (repeatable)'
            cand -d 'Request body: TEXT, @FILE, or @- for standard input'
            cand --data 'Request body: TEXT, @FILE, or @- for standard input'
            cand --json 'JSON request body, checked before anything is sent'
            cand --bearer 'Send ''Authorization: Bearer TOKEN'' (env:VAR reads it from VAR)'
            cand -u 'Basic authentication; PASS may be env:VAR'
            cand --user 'Basic authentication; PASS may be env:VAR'
            cand --last-event-id 'Send this Last-Event-ID, to resume a stream'
            cand --proxy 'Use this proxy'
            cand --cacert 'Trust the CA certificates in this PEM file too'
            cand --max-redirs 'Most redirects followed with -L'
            cand --connect-timeout 'Give up connecting after SECS seconds'
            cand --idle-timeout 'Give up when no byte arrives for SECS seconds'
            cand -m 'Give up when the whole transfer takes more than SECS seconds'
            cand --max-time 'Give up when the whole transfer takes more than SECS seconds'
            cand --reconnect 'Reconnect when the stream drops or ends, at most N times in all'
            cand --max-retry-wait 'Longest wait before a reconnection'
            cand --format 'Output format'
            cand --dialect 'The LLM stream format, instead of detecting it (openai, anthropic, ...)'
            cand --extract 'Take the text from this JSON Pointer in each event (/choices/0/text)'
            cand --event 'Keep only events of this type (repeatable)'
            cand --max-event-size 'Largest line or event accepted'
            cand -o 'Write the output to FILE instead of standard output'
            cand --output 'Write the output to FILE instead of standard output'
            cand --save 'Also write the response body to FILE, byte for byte as received'
            cand --record 'Write a timed recording of the exchange to FILE (JSON Lines)'
            cand --color 'When to colour the output: auto, always or never'
            cand --colour 'When to colour the output: auto, always or never'
            cand --stats-json 'Write the statistics as one JSON object to FILE (- for standard error)'
            cand -k 'Do not verify the server''s TLS certificate'
            cand --insecure 'Do not verify the server''s TLS certificate'
            cand -L 'Follow redirects'
            cand --location 'Follow redirects'
            cand --jsonl 'Print one JSON object per event (same as --format jsonl)'
            cand --text 'Print only the LLM answer text (same as --format text)'
            cand --raw 'Print the received bytes untouched (same as --format raw)'
            cand --reasoning 'Print reasoning (thinking) deltas to standard error as they arrive'
            cand --ndjson 'Read the stream as newline-delimited JSON, one event a line'
            cand --no-done 'Do not stop at data: [DONE]; read to the end of the stream'
            cand --no-sanitize 'On a terminal, print the stream''s control characters as they are'
            cand -v 'Show the request and response heads on standard error'
            cand --verbose 'Show the request and response heads on standard error'
            cand -s 'Hide the progress spinner'
            cand --silent 'Hide the progress spinner'
            cand --strict 'Fail on what is otherwise only a warning, for scripted checks'
            cand --stats 'Print a summary of the run on standard error at the end'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve streams: mock every LLM streaming API, or replay recordings with their timing'
        }
        &'ssecat;serve'= {
            cand --listen 'Where to listen, ADDR:PORT (port 0 picks a free one)'
            cand --text 'Answer every LLM streaming API with this text: TEXT, or @FILE'
            cand --ttft 'Time to the first token'
            cand --itl 'Time between chunks (inter-token latency); for .sse and .ndjson files, between events'
            cand --tps 'Tokens per second, instead of --itl'
            cand --tokens-per-chunk 'Tokens in each chunk'
            cand --jitter 'Vary each gap at random by up to this much, either way'
            cand --seed 'The seed of --jitter''s random numbers, for runs that repeat'
            cand --speed 'Replay this many times faster (2 halves every wait)'
            cand --fault 'Fail on purpose, to test clients: cut-after=N, stall-after=N, error-after=N, status=CODE[,retry-after=SECS], reset; add ,every=N to fail the first request and every Nth after it only (repeatable)'
            cand --no-delay 'Replay without waiting: every chunk at once'
            cand -s 'Log nothing but errors (no line per request)'
            cand --silent 'Log nothing but errors (no line per request)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
    ]
    $completions[$command]
}

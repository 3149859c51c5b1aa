
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
            cand -H 'A request header, ''Name: value'' (repeatable). ''Name:'' removes a default header; a value env:VAR is read from the environment variable VAR'
            cand --header 'A request header, ''Name: value'' (repeatable). ''Name:'' removes a default header; a value env:VAR is read from the environment variable VAR'
            cand -d 'Request body: TEXT, @FILE, or @- for standard input (POST by default)'
            cand --data 'Request body: TEXT, @FILE, or @- for standard input (POST by default)'
            cand --json 'JSON request body, checked before sending; sets Content-Type: application/json'
            cand --bearer 'Send ''Authorization: Bearer TOKEN''; env:VAR reads the token from VAR'
            cand -u 'Basic authentication; PASS may be env:VAR'
            cand --user 'Basic authentication; PASS may be env:VAR'
            cand --last-event-id 'Send this Last-Event-ID, to resume a stream'
            cand --proxy 'Use this proxy (the HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY variables are honoured otherwise)'
            cand --cacert 'Trust the CA certificates in this PEM file too'
            cand --max-redirs 'Most redirects followed with -L'
            cand --connect-timeout 'Give up connecting after SECS seconds'
            cand --idle-timeout 'Give up when no byte arrives for SECS seconds'
            cand -m 'Give up when the whole transfer takes more than SECS seconds'
            cand --max-time 'Give up when the whole transfer takes more than SECS seconds'
            cand --reconnect 'Reconnect when the connection drops or the server ends the stream, up to N times in all (no limit without =N), sending Last-Event-ID, as EventSource does'
            cand --max-retry-wait 'Longest wait before a reconnection, whatever retry:, the backoff or Retry-After say'
            cand --format 'How to print the events [default: sse, or text with --extract]'
            cand --dialect 'The LLM stream format for --text, --format final and --jsonl''s text [default: detected from the stream]'
            cand --extract 'Take the text from this JSON Pointer in each event (such as /choices/0/text) instead of a dialect''s; implies --text unless a format is given'
            cand --event 'Keep only events of this type (repeatable; "message" is the default type)'
            cand --max-event-size 'Largest line or event accepted, in bytes or with a K, M or G suffix (powers of 1024)'
            cand -o 'Write the output to FILE instead of standard output'
            cand --output 'Write the output to FILE instead of standard output'
            cand --save 'Also write the response body to FILE, byte for byte as received, to replay it later with `ssecat FILE`'
            cand --color 'Colour sse, jsonl and final output: auto (on a terminal, unless NO_COLOR is set), always or never'
            cand --stats-json 'Write the statistics as one JSON object to FILE (- for standard error), however the stream ends'
            cand -k 'Do not verify the server''s TLS certificate'
            cand --insecure 'Do not verify the server''s TLS certificate'
            cand -L 'Follow redirects (credential headers and env: headers are not sent on to another host)'
            cand --location 'Follow redirects (credential headers and env: headers are not sent on to another host)'
            cand --jsonl 'Print one JSON object per event (same as --format jsonl)'
            cand --text 'Print only the LLM answer text (same as --format text)'
            cand --raw 'Print the received bytes untouched (same as --format raw)'
            cand --reasoning 'Print reasoning (thinking) deltas to standard error as they arrive'
            cand --ndjson 'Read the stream as newline-delimited JSON, one event a line (the default for *.ndjson and *.jsonl files and application/x-ndjson responses)'
            cand --no-done 'Do not stop at a `data: [DONE]` event (or, with --text and --format final, at a provider''s end event); read to the end of the stream'
            cand --no-sanitize 'On a terminal, print the stream''s control characters as they are (by default they are shown escaped, such as \x1b)'
            cand -v 'Show the request and response headers on standard error (secrets masked)'
            cand --verbose 'Show the request and response headers on standard error (secrets masked)'
            cand -s 'Hide the progress spinner that a terminal''s standard error shows (errors and warnings are still printed)'
            cand --silent 'Hide the progress spinner that a terminal''s standard error shows (errors and warnings are still printed)'
            cand --stats 'Print a summary of the stream on standard error at the end: timings, events, tokens per second'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}

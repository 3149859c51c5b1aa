complete -c ssecat -l generate -d 'Print shell completions or the man page, generated from this definition, and exit (for packagers)' -r -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''
man\t'The man page, roff'"
complete -c ssecat -s H -l header -d 'A request header, \'Name: value\' (repeatable). \'Name:\' removes a default header; a value env:VAR is read from the environment variable VAR' -r
complete -c ssecat -s d -l data -d 'Request body: TEXT, @FILE, or @- for standard input (POST by default)' -r
complete -c ssecat -l json -d 'JSON request body, checked before sending; sets Content-Type: application/json' -r
complete -c ssecat -l bearer -d 'Send \'Authorization: Bearer TOKEN\'; env:VAR reads the token from VAR' -r
complete -c ssecat -s u -l user -d 'Basic authentication; PASS may be env:VAR' -r
complete -c ssecat -l last-event-id -d 'Send this Last-Event-ID, to resume a stream' -r
complete -c ssecat -l proxy -d 'Use this proxy (the HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY variables are honoured otherwise)' -r
complete -c ssecat -l cacert -d 'Trust the CA certificates in this PEM file too' -r -F
complete -c ssecat -l max-redirs -d 'Most redirects followed with -L' -r
complete -c ssecat -l connect-timeout -d 'Give up connecting after SECS seconds' -r
complete -c ssecat -l idle-timeout -d 'Give up when no byte arrives for SECS seconds' -r
complete -c ssecat -s m -l max-time -d 'Give up when the whole transfer takes more than SECS seconds' -r
complete -c ssecat -l reconnect -d 'Reconnect when the connection drops or the server ends the stream, up to N times in all (no limit without =N), sending Last-Event-ID, as EventSource does' -r
complete -c ssecat -l max-retry-wait -d 'Longest wait before a reconnection, whatever retry:, the backoff or Retry-After say' -r
complete -c ssecat -l format -d 'How to print the events [default: sse, or text with --extract]' -r -f -a "sse\t'Each event re-serialised as canonical SSE'
data\t'Each event\'s data followed by a newline'
jsonl\t'One JSON object per event: event, data, id, retry, and json when data is JSON'
text\t'The LLM answer text, printed as its deltas arrive'
final\t'One JSON object at the end: the assembled LLM response (text, tool calls, usage, …)'
raw\t'The received bytes, untouched'"
complete -c ssecat -l dialect -d 'The LLM stream format for --text, --format final and --jsonl\'s text [default: detected from the stream]' -r -f -a "openai\t'OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, LiteLLM, Ollama /v1, TGI /v1), and legacy completions'
openai-responses\t'OpenAI Responses API'
anthropic\t'Anthropic Messages'
gemini\t'Google Gemini streamGenerateContent?alt=sse'
cohere\t'Cohere v2 chat'
tgi\t'Hugging Face TGI /generate_stream'
llamacpp\t'llama.cpp server /completion'
ollama\t'Ollama native /api/chat and /api/generate (NDJSON)'"
complete -c ssecat -l extract -d 'Take the text from this JSON Pointer in each event (such as /choices/0/text) instead of a dialect\'s; implies --text unless a format is given' -r
complete -c ssecat -l event -d 'Keep only events of this type (repeatable; "message" is the default type)' -r
complete -c ssecat -l max-event-size -d 'Largest line or event accepted, in bytes or with a K, M or G suffix (powers of 1024)' -r
complete -c ssecat -s o -l output -d 'Write the output to FILE instead of standard output' -r -F
complete -c ssecat -l save -d 'Also write the response body to FILE, byte for byte as received, to replay it later with `ssecat FILE`' -r -F
complete -c ssecat -l color -d 'Colour sse, jsonl and final output: auto (on a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t'On a terminal, unless the NO_COLOR environment variable is set'
always\t''
never\t''"
complete -c ssecat -l stats-json -d 'Write the statistics as one JSON object to FILE (- for standard error), however the stream ends' -r -F
complete -c ssecat -s k -l insecure -d 'Do not verify the server\'s TLS certificate'
complete -c ssecat -s L -l location -d 'Follow redirects (credential headers and env: headers are not sent on to another host)'
complete -c ssecat -l jsonl -d 'Print one JSON object per event (same as --format jsonl)'
complete -c ssecat -l text -d 'Print only the LLM answer text (same as --format text)'
complete -c ssecat -l raw -d 'Print the received bytes untouched (same as --format raw)'
complete -c ssecat -l reasoning -d 'Print reasoning (thinking) deltas to standard error as they arrive'
complete -c ssecat -l ndjson -d 'Read the stream as newline-delimited JSON, one event a line (the default for *.ndjson and *.jsonl files and application/x-ndjson responses)'
complete -c ssecat -l no-done -d 'Do not stop at a `data: [DONE]` event (or, with --text and --format final, at a provider\'s end event); read to the end of the stream'
complete -c ssecat -l no-sanitize -d 'On a terminal, print the stream\'s control characters as they are (by default they are shown escaped, such as \\x1b)'
complete -c ssecat -s v -l verbose -d 'Show the request and response headers on standard error (secrets masked)'
complete -c ssecat -s s -l silent -d 'Hide the progress spinner that a terminal\'s standard error shows (errors and warnings are still printed)'
complete -c ssecat -l stats -d 'Print a summary of the stream on standard error at the end: timings, events, tokens per second'
complete -c ssecat -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -s V -l version -d 'Print version'

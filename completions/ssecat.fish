complete -c ssecat -l generate -d 'Print shell completions or the man page, generated from this definition, and exit (for packagers)' -r -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''
man\t'The man page, roff'"
complete -c ssecat -s H -l header -d 'A request header, \'Name: value\' (repeatable)' -r
complete -c ssecat -s d -l data -d 'Request body: TEXT, @FILE, or @- for standard input' -r
complete -c ssecat -l json -d 'JSON request body, checked before anything is sent' -r
complete -c ssecat -l bearer -d 'Send \'Authorization: Bearer TOKEN\' (env:VAR reads it from VAR)' -r
complete -c ssecat -s u -l user -d 'Basic authentication; PASS may be env:VAR' -r
complete -c ssecat -l last-event-id -d 'Send this Last-Event-ID, to resume a stream' -r
complete -c ssecat -l proxy -d 'Use this proxy' -r
complete -c ssecat -l cacert -d 'Trust the CA certificates in this PEM file too' -r -F
complete -c ssecat -l max-redirs -d 'Most redirects followed with -L' -r
complete -c ssecat -l connect-timeout -d 'Give up connecting after SECS seconds' -r
complete -c ssecat -l idle-timeout -d 'Give up when no byte arrives for SECS seconds' -r
complete -c ssecat -s m -l max-time -d 'Give up when the whole transfer takes more than SECS seconds' -r
complete -c ssecat -l reconnect -d 'Reconnect when the stream drops or ends, at most N times in all' -r
complete -c ssecat -l max-retry-wait -d 'Longest wait before a reconnection' -r
complete -c ssecat -l format -d 'Output format' -r -f -a "sse\t'Each event re-serialised as canonical SSE'
data\t'Each event\'s data followed by a newline'
jsonl\t'One JSON object per event: event, data, id, retry, and json when data is JSON'
text\t'The LLM answer text, printed as its deltas arrive'
final\t'One JSON object at the end: the assembled LLM response (text, tool calls, usage, …)'
raw\t'The received bytes, untouched'"
complete -c ssecat -l dialect -d 'The LLM stream format, instead of detecting it (openai, anthropic, ...)' -r -f -a "openai\t'OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, LiteLLM, Ollama /v1, TGI /v1), and legacy completions'
openai-responses\t'OpenAI Responses API'
anthropic\t'Anthropic Messages'
gemini\t'Google Gemini streamGenerateContent?alt=sse'
cohere\t'Cohere v2 chat'
tgi\t'Hugging Face TGI /generate_stream'
llamacpp\t'llama.cpp server /completion'
ollama\t'Ollama native /api/chat and /api/generate (NDJSON)'"
complete -c ssecat -l extract -d 'Take the text from this JSON Pointer in each event (/choices/0/text)' -r
complete -c ssecat -l event -d 'Keep only events of this type (repeatable)' -r
complete -c ssecat -l max-event-size -d 'Largest line or event accepted' -r
complete -c ssecat -s o -l output -d 'Write the output to FILE instead of standard output' -r -F
complete -c ssecat -l save -d 'Also write the response body to FILE, byte for byte as received' -r -F
complete -c ssecat -l color -l colour -d 'When to colour the output: auto, always or never' -r -f -a "auto\t'On a terminal, unless the NO_COLOR environment variable is set'
always\t''
never\t''"
complete -c ssecat -l stats-json -d 'Write the statistics as one JSON object to FILE (- for standard error)' -r -F
complete -c ssecat -s k -l insecure -d 'Do not verify the server\'s TLS certificate'
complete -c ssecat -s L -l location -d 'Follow redirects'
complete -c ssecat -l jsonl -d 'Print one JSON object per event (same as --format jsonl)'
complete -c ssecat -l text -d 'Print only the LLM answer text (same as --format text)'
complete -c ssecat -l raw -d 'Print the received bytes untouched (same as --format raw)'
complete -c ssecat -l reasoning -d 'Print reasoning (thinking) deltas to standard error as they arrive'
complete -c ssecat -l ndjson -d 'Read the stream as newline-delimited JSON, one event a line'
complete -c ssecat -l no-done -d 'Do not stop at data: [DONE]; read to the end of the stream'
complete -c ssecat -l no-sanitize -d 'On a terminal, print the stream\'s control characters as they are'
complete -c ssecat -s v -l verbose -d 'Show the request and response heads on standard error'
complete -c ssecat -s s -l silent -d 'Hide the progress spinner'
complete -c ssecat -l strict -d 'Fail on what is otherwise only a warning, for scripted checks'
complete -c ssecat -l stats -d 'Print a summary of the run on standard error at the end'
complete -c ssecat -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -s V -l version -d 'Print version'

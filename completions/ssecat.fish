# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ssecat_global_optspecs
    string join \n generate= url= X/request= H/header= d/data= data-raw= json= bearer= u/user= A/user-agent= e/referer= f/fail compressed last-event-id= x/proxy= k/insecure cacert= L/location max-redirs= connect-timeout= idle-timeout= m/max-time= prompt= model= system= max-tokens= temperature= reconnect= max-retry-wait= format= jsonl text raw dialect= extract= reasoning ndjson event= no-done max-event-size= no-sanitize i/include N/no-buffer o/output= save= record= color= v/verbose s/silent S/show-error strict stats stats-json= h/help V/version
end

function __fish_ssecat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ssecat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ssecat_using_subcommand
    set -l cmd (__fish_ssecat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ssecat -n "__fish_ssecat_needs_command" -l generate -d 'Print shell completions or the man page, generated from this definition, and exit (for packagers)' -r -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''
man\t'The man page, roff'
man-serve\t'The man page of ssecat serve, roff'
man-bench\t'The man page of ssecat bench, roff'"
complete -c ssecat -n "__fish_ssecat_needs_command" -l url -d 'The URL, as curl\'s --url: the words left are [METHOD] and items' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s X -l request -d 'The method, as curl\'s -X; the same as a METHOD before the URL' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s H -l header -d 'A request header, \'Name: value\' (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s d -l data -l data-binary -d 'Request body: TEXT, @FILE, or @- for standard input' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l data-raw -d 'Request body TEXT as it is: a leading @ names no file, as curl\'s' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l json -d 'JSON request body, checked before anything is sent' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l bearer -d 'Send \'Authorization: Bearer TOKEN\' (env:VAR reads it from VAR)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s u -l user -d 'Basic authentication; PASS may be env:VAR' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s A -l user-agent -d 'Send this User-Agent instead of ssecat/VERSION (\'\' sends none)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s e -l referer -d 'Send this Referer' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l last-event-id -d 'Send this Last-Event-ID, to resume a stream' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s x -l proxy -d 'Use this proxy' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l cacert -d 'Trust the CA certificates in this PEM file too' -r -F
complete -c ssecat -n "__fish_ssecat_needs_command" -l max-redirs -d 'Most redirects followed with -L' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l connect-timeout -d 'Give up connecting after SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l idle-timeout -d 'Give up when no byte arrives for SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s m -l max-time -d 'Give up when the whole transfer takes more than SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l prompt -d 'Send this prompt in the streaming request of the URL\'s API' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l model -d 'The model that answers the prompt (not for Gemini or TGI)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l system -d 'The system prompt (instructions) sent before the prompt' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l max-tokens -d 'The most tokens the answer may have' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l temperature -d 'The sampling temperature' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l reconnect -d 'Reconnect when the stream drops or ends, at most N times in all' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l max-retry-wait -d 'Longest wait before a reconnection' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l format -d 'Output format' -r -f -a "sse\t'Each event re-serialised as canonical SSE'
data\t'Each event\'s data followed by a newline'
jsonl\t'One JSON object per event: event, data, id, retry, and json when data is JSON'
text\t'The LLM answer text, printed as its deltas arrive'
final\t'One JSON object at the end: the assembled LLM response (text, tool calls, usage, …)'
raw\t'The received bytes, untouched'"
complete -c ssecat -n "__fish_ssecat_needs_command" -l dialect -d 'The LLM stream format, instead of detecting it (openai, anthropic, ...)' -r -f -a "openai\t'OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, LiteLLM, Ollama /v1, TGI /v1), and legacy completions'
openai-responses\t'OpenAI Responses API'
anthropic\t'Anthropic Messages'
gemini\t'Google Gemini streamGenerateContent?alt=sse'
cohere\t'Cohere v2 chat'
tgi\t'Hugging Face TGI /generate_stream'
llamacpp\t'llama.cpp server /completion'
ollama\t'Ollama native /api/chat and /api/generate (NDJSON)'"
complete -c ssecat -n "__fish_ssecat_needs_command" -l extract -d 'Take the text from this JSON Pointer in each event (/choices/0/text)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l event -d 'Keep only events of this type (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -l max-event-size -d 'Largest line or event accepted' -r
complete -c ssecat -n "__fish_ssecat_needs_command" -s o -l output -d 'Write the output to FILE instead of standard output' -r -F
complete -c ssecat -n "__fish_ssecat_needs_command" -l save -d 'Also write the response body to FILE, byte for byte as received' -r -F
complete -c ssecat -n "__fish_ssecat_needs_command" -l record -d 'Write a timed recording of the exchange to FILE (JSON Lines)' -r -F
complete -c ssecat -n "__fish_ssecat_needs_command" -l color -l colour -d 'When to colour the output: auto, always or never' -r -f -a "auto\t'On a terminal, unless the NO_COLOR environment variable is set'
always\t''
never\t''"
complete -c ssecat -n "__fish_ssecat_needs_command" -l stats-json -d 'Write the statistics as one JSON object to FILE (- for standard error)' -r -F
complete -c ssecat -n "__fish_ssecat_needs_command" -s f -l fail -d 'Accepted for curl\'s sake: an HTTP error always fails (exit 3, 4, 5)'
complete -c ssecat -n "__fish_ssecat_needs_command" -l compressed -d 'Accepted for curl\'s sake: gzip, br and deflate are always decoded'
complete -c ssecat -n "__fish_ssecat_needs_command" -s k -l insecure -d 'Do not verify the server\'s TLS certificate'
complete -c ssecat -n "__fish_ssecat_needs_command" -s L -l location -d 'Follow redirects'
complete -c ssecat -n "__fish_ssecat_needs_command" -l jsonl -d 'Print one JSON object per event (same as --format jsonl)'
complete -c ssecat -n "__fish_ssecat_needs_command" -l text -d 'Print only the LLM answer text (same as --format text)'
complete -c ssecat -n "__fish_ssecat_needs_command" -l raw -d 'Print the received bytes untouched (same as --format raw)'
complete -c ssecat -n "__fish_ssecat_needs_command" -l reasoning -d 'Print reasoning (thinking) deltas to standard error as they arrive'
complete -c ssecat -n "__fish_ssecat_needs_command" -l ndjson -d 'Read the stream as newline-delimited JSON, one event a line'
complete -c ssecat -n "__fish_ssecat_needs_command" -l no-done -d 'Do not stop at data: [DONE]; read to the end of the stream'
complete -c ssecat -n "__fish_ssecat_needs_command" -l no-sanitize -d 'On a terminal, print the stream\'s control characters as they are'
complete -c ssecat -n "__fish_ssecat_needs_command" -s i -l include -d 'Print the response\'s status line and headers first, as curl -i'
complete -c ssecat -n "__fish_ssecat_needs_command" -s N -l no-buffer -d 'Accepted for curl\'s sake: ssecat never buffers its output'
complete -c ssecat -n "__fish_ssecat_needs_command" -s v -l verbose -d 'Show the request and response heads on standard error'
complete -c ssecat -n "__fish_ssecat_needs_command" -s s -l silent -d 'Hide the progress spinner'
complete -c ssecat -n "__fish_ssecat_needs_command" -s S -l show-error -d 'Accepted for curl\'s -sS: ssecat always shows errors, with or without -s'
complete -c ssecat -n "__fish_ssecat_needs_command" -l strict -d 'Fail on what is otherwise only a warning, for scripted checks'
complete -c ssecat -n "__fish_ssecat_needs_command" -l stats -d 'Print a summary of the run on standard error at the end'
complete -c ssecat -n "__fish_ssecat_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_needs_command" -s V -l version -d 'Print version'
complete -c ssecat -n "__fish_ssecat_needs_command" -a "serve" -d 'Serve streams: mock every LLM streaming API, or replay recordings with their timing'
complete -c ssecat -n "__fish_ssecat_needs_command" -a "bench" -d 'Load-test an LLM or SSE endpoint: TTFT, ITL, TPOT and throughput percentiles'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l listen -d 'Where to listen, ADDR:PORT (port 0 picks a free one)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l text -d 'Answer every LLM streaming API with this text: TEXT, or @FILE' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l ttft -d 'Time to the first token' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l itl -d 'Time between chunks (inter-token latency); for .sse and .ndjson files, between events' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tps -d 'Tokens per second, instead of --itl' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l tokens-per-chunk -d 'Tokens in each chunk' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l jitter -d 'Vary each gap at random by up to this much, either way' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l seed -d 'The seed of --jitter\'s random numbers, for runs that repeat' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l speed -d 'Replay this many times faster (2 halves every wait)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l fault -d 'Fail on purpose, to test clients: cut-after=N, stall-after=N, error-after=N, status=CODE[,retry-after=SECS], reset; add ,every=N to fail the first request and every Nth after it only (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -l no-delay -d 'Replay without waiting: every chunk at once'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -s s -l silent -d 'Log nothing but errors (no line per request)'
complete -c ssecat -n "__fish_ssecat_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l url -d 'The URL, as curl\'s --url: the words left are [METHOD] and items' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s X -l request -d 'The method, as curl\'s -X; the same as a METHOD before the URL' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s H -l header -d 'A request header, \'Name: value\' (repeatable)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s d -l data -l data-binary -d 'Request body: TEXT, @FILE, or @- for standard input' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l data-raw -d 'Request body TEXT as it is: a leading @ names no file, as curl\'s' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l json -d 'JSON request body, checked before anything is sent' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l bearer -d 'Send \'Authorization: Bearer TOKEN\' (env:VAR reads it from VAR)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s u -l user -d 'Basic authentication; PASS may be env:VAR' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s A -l user-agent -d 'Send this User-Agent instead of ssecat/VERSION (\'\' sends none)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s e -l referer -d 'Send this Referer' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l last-event-id -d 'Send this Last-Event-ID, to resume a stream' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s x -l proxy -d 'Use this proxy' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l cacert -d 'Trust the CA certificates in this PEM file too' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l max-redirs -d 'Most redirects followed with -L' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l connect-timeout -d 'Give up connecting after SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l idle-timeout -d 'Give up when no byte arrives for SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s m -l max-time -d 'Give up when the whole transfer takes more than SECS seconds' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l prompt -d 'Send this prompt in the streaming request of the URL\'s API' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l model -d 'The model that answers the prompt (not for Gemini or TGI)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l system -d 'The system prompt (instructions) sent before the prompt' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l max-tokens -d 'The most tokens the answer may have' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l temperature -d 'The sampling temperature' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s c -l concurrency -d 'Streams in flight (closed loop); a list is a sweep: -c 1,8,64' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l rate -d 'Requests a second (open loop), each sent when due; a list is a sweep' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l arrival -d 'When --rate\'s requests are due: poisson (at random) or constant' -r -f -a "poisson\t'At random, exponential gaps (independent users)'
constant\t'Evenly spaced'"
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l seed -d 'The seed of the Poisson arrivals and --shuffle, for runs that repeat' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s n -l requests -d 'Requests measured at each level [default: 100 without --duration]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l duration -d 'Send requests for this long at each level (those in flight finish)' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l warmup -d 'Requests sent first at each level and left out of the figures' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l bodies -d 'Request bodies, one JSON a line, sent in turn (POST, JSON)' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l prompts -d 'Prompts, one a line, each sent as --prompt sends one, in turn' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l dialect -d 'The LLM stream format, instead of detecting it' -r -f -a "openai\t'OpenAI Chat Completions and compatibles (vLLM, llama.cpp /v1, Mistral, LiteLLM, Ollama /v1, TGI /v1), and legacy completions'
openai-responses\t'OpenAI Responses API'
anthropic\t'Anthropic Messages'
gemini\t'Google Gemini streamGenerateContent?alt=sse'
cohere\t'Cohere v2 chat'
tgi\t'Hugging Face TGI /generate_stream'
llamacpp\t'llama.cpp server /completion'
ollama\t'Ollama native /api/chat and /api/generate (NDJSON)'"
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l slo -d 'Service-level objectives, for goodput: ttft=500ms,tpot=50ms,itl=…,e2el=…' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l report -d 'Write the report as JSON to FILE (- for standard output)' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l records -d 'Write one JSON line per request to FILE' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l merge -d 'Merge the --report files of runs made apart (several machines) into one, exactly, and print it' -r -F
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l threads -d 'Threads that run the streams [default: one per CPU]' -r
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s f -l fail -d 'Accepted for curl\'s sake: an HTTP error always fails (exit 3, 4, 5)'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l compressed -d 'Accepted for curl\'s sake: gzip, br and deflate are always decoded'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s k -l insecure -d 'Do not verify the server\'s TLS certificate'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s L -l location -d 'Follow redirects'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -l shuffle -d 'Send the --bodies or --prompts in a random order'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s s -l silent -d 'No progress bar'
complete -c ssecat -n "__fish_ssecat_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'


using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ssecat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ssecat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ssecat' {
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print shell completions or the man page, generated from this definition, and exit (for packagers)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON request body, checked before anything is sent')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Send ''Authorization: Bearer TOKEN'' (env:VAR reads it from VAR)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--last-event-id', '--last-event-id', [CompletionResultType]::ParameterName, 'Send this Last-Event-ID, to resume a stream')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Use this proxy')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file too')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'Most redirects followed with -L')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after SECS seconds')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up when no byte arrives for SECS seconds')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Send this prompt in the streaming request of the URL''s API')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model that answers the prompt (not for Gemini or TGI)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system prompt (instructions) sent before the prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'The most tokens the answer may have')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'The sampling temperature')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the stream drops or ends, at most N times in all')
            [CompletionResult]::new('--max-retry-wait', '--max-retry-wait', [CompletionResultType]::ParameterName, 'Longest wait before a reconnection')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'The LLM stream format, instead of detecting it (openai, anthropic, ...)')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'Take the text from this JSON Pointer in each event (/choices/0/text)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Keep only events of this type (repeatable)')
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest line or event accepted')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the output to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE instead of standard output')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Also write the response body to FILE, byte for byte as received')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Write a timed recording of the exchange to FILE (JSON Lines)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always or never')
            [CompletionResult]::new('--colour', '--colour', [CompletionResultType]::ParameterName, 'When to colour the output: auto, always or never')
            [CompletionResult]::new('--stats-json', '--stats-json', [CompletionResultType]::ParameterName, 'Write the statistics as one JSON object to FILE (- for standard error)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'Print one JSON object per event (same as --format jsonl)')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Print only the LLM answer text (same as --format text)')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the received bytes untouched (same as --format raw)')
            [CompletionResult]::new('--reasoning', '--reasoning', [CompletionResultType]::ParameterName, 'Print reasoning (thinking) deltas to standard error as they arrive')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Read the stream as newline-delimited JSON, one event a line')
            [CompletionResult]::new('--no-done', '--no-done', [CompletionResultType]::ParameterName, 'Do not stop at data: [DONE]; read to the end of the stream')
            [CompletionResult]::new('--no-sanitize', '--no-sanitize', [CompletionResultType]::ParameterName, 'On a terminal, print the stream''s control characters as they are')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show the request and response heads on standard error')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show the request and response heads on standard error')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Hide the progress spinner')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Hide the progress spinner')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail on what is otherwise only a warning, for scripted checks')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print a summary of the run on standard error at the end')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test an LLM or SSE endpoint: TTFT, ITL, TPOT and throughput percentiles')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve streams: mock every LLM streaming API, or replay recordings with their timing')
            break
        }
        'ssecat;bench' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON request body, checked before anything is sent')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Send ''Authorization: Bearer TOKEN'' (env:VAR reads it from VAR)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--last-event-id', '--last-event-id', [CompletionResultType]::ParameterName, 'Send this Last-Event-ID, to resume a stream')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Use this proxy')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file too')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'Most redirects followed with -L')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after SECS seconds')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up when no byte arrives for SECS seconds')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Send this prompt in the streaming request of the URL''s API')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model that answers the prompt (not for Gemini or TGI)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system prompt (instructions) sent before the prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'The most tokens the answer may have')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'The sampling temperature')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Streams in flight (closed loop); a list is a sweep: -c 1,8,64')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Streams in flight (closed loop); a list is a sweep: -c 1,8,64')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests a second (open loop), each sent when due; a list is a sweep')
            [CompletionResult]::new('--arrival', '--arrival', [CompletionResultType]::ParameterName, 'When --rate''s requests are due: poisson (at random) or constant')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'The seed of the Poisson arrivals and --shuffle, for runs that repeat')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Requests measured at each level [default: 100 without --duration]')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Requests measured at each level [default: 100 without --duration]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Send requests for this long at each level (those in flight finish)')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Requests sent first at each level and left out of the figures')
            [CompletionResult]::new('--bodies', '--bodies', [CompletionResultType]::ParameterName, 'Request bodies, one JSON a line, sent in turn (POST, JSON)')
            [CompletionResult]::new('--prompts', '--prompts', [CompletionResultType]::ParameterName, 'Prompts, one a line, each sent as --prompt sends one, in turn')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'The LLM stream format, instead of detecting it')
            [CompletionResult]::new('--slo', '--slo', [CompletionResultType]::ParameterName, 'Service-level objectives, for goodput: ttft=500ms,tpot=50ms,itl=…,e2el=…')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write the report as JSON to FILE (- for standard output)')
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Write one JSON line per request to FILE')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Merge the --report files of runs made apart (several machines) into one, exactly, and print it')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects')
            [CompletionResult]::new('--shuffle', '--shuffle', [CompletionResultType]::ParameterName, 'Send the --bodies or --prompts in a random order')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'No progress bar')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'No progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ssecat;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where to listen, ADDR:PORT (port 0 picks a free one)')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Answer every LLM streaming API with this text: TEXT, or @FILE')
            [CompletionResult]::new('--ttft', '--ttft', [CompletionResultType]::ParameterName, 'Time to the first token')
            [CompletionResult]::new('--itl', '--itl', [CompletionResultType]::ParameterName, 'Time between chunks (inter-token latency); for .sse and .ndjson files, between events')
            [CompletionResult]::new('--tps', '--tps', [CompletionResultType]::ParameterName, 'Tokens per second, instead of --itl')
            [CompletionResult]::new('--tokens-per-chunk', '--tokens-per-chunk', [CompletionResultType]::ParameterName, 'Tokens in each chunk')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'Vary each gap at random by up to this much, either way')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'The seed of --jitter''s random numbers, for runs that repeat')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Replay this many times faster (2 halves every wait)')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'Fail on purpose, to test clients: cut-after=N, stall-after=N, error-after=N, status=CODE[,retry-after=SECS], reset; add ,every=N to fail the first request and every Nth after it only (repeatable)')
            [CompletionResult]::new('--no-delay', '--no-delay', [CompletionResultType]::ParameterName, 'Replay without waiting: every chunk at once')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Log nothing but errors (no line per request)')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Log nothing but errors (no line per request)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

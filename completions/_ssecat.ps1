
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
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable). ''Name:'' removes a default header; a value env:VAR is read from the environment variable VAR')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A request header, ''Name: value'' (repeatable). ''Name:'' removes a default header; a value env:VAR is read from the environment variable VAR')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input (POST by default)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: TEXT, @FILE, or @- for standard input (POST by default)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON request body, checked before sending; sets Content-Type: application/json')
            [CompletionResult]::new('--bearer', '--bearer', [CompletionResultType]::ParameterName, 'Send ''Authorization: Bearer TOKEN''; env:VAR reads the token from VAR')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Basic authentication; PASS may be env:VAR')
            [CompletionResult]::new('--last-event-id', '--last-event-id', [CompletionResultType]::ParameterName, 'Send this Last-Event-ID, to resume a stream')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Use this proxy (the HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY variables are honoured otherwise)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file too')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'Most redirects followed with -L')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after SECS seconds')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up when no byte arrives for SECS seconds')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Give up when the whole transfer takes more than SECS seconds')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the connection drops or the server ends the stream, up to N times in all (no limit without =N), sending Last-Event-ID, as EventSource does')
            [CompletionResult]::new('--max-retry-wait', '--max-retry-wait', [CompletionResultType]::ParameterName, 'Longest wait before a reconnection, whatever retry:, the backoff or Retry-After say')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the events [default: sse, or text with --extract]')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'The LLM stream format for --text, --format final and --jsonl''s text [default: detected from the stream]')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'Take the text from this JSON Pointer in each event (such as /choices/0/text) instead of a dialect''s; implies --text unless a format is given')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Keep only events of this type (repeatable; "message" is the default type)')
            [CompletionResult]::new('--max-event-size', '--max-event-size', [CompletionResultType]::ParameterName, 'Largest line or event accepted, in bytes or with a K, M or G suffix (powers of 1024)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the output to FILE instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE instead of standard output')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Also write the response body to FILE, byte for byte as received, to replay it later with `ssecat FILE`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour sse, jsonl and final output: auto (on a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('--stats-json', '--stats-json', [CompletionResultType]::ParameterName, 'Write the statistics as one JSON object to FILE (- for standard error), however the stream ends')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the server''s TLS certificate')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects (credential headers and env: headers are not sent on to another host)')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects (credential headers and env: headers are not sent on to another host)')
            [CompletionResult]::new('--jsonl', '--jsonl', [CompletionResultType]::ParameterName, 'Print one JSON object per event (same as --format jsonl)')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Print only the LLM answer text (same as --format text)')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the received bytes untouched (same as --format raw)')
            [CompletionResult]::new('--reasoning', '--reasoning', [CompletionResultType]::ParameterName, 'Print reasoning (thinking) deltas to standard error as they arrive')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Read the stream as newline-delimited JSON, one event a line (the default for *.ndjson and *.jsonl files and application/x-ndjson responses)')
            [CompletionResult]::new('--no-done', '--no-done', [CompletionResultType]::ParameterName, 'Do not stop at a `data: [DONE]` event (or, with --text and --format final, at a provider''s end event); read to the end of the stream')
            [CompletionResult]::new('--no-sanitize', '--no-sanitize', [CompletionResultType]::ParameterName, 'On a terminal, print the stream''s control characters as they are (by default they are shown escaped, such as \x1b)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show the request and response headers on standard error (secrets masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show the request and response headers on standard error (secrets masked)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Hide the progress spinner that a terminal''s standard error shows (errors and warnings are still printed)')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Hide the progress spinner that a terminal''s standard error shows (errors and warnings are still printed)')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print a summary of the stream on standard error at the end: timings, events, tokens per second')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

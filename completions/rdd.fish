# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rdd_global_optspecs
    string join \n instance= log-level= log-format= color= h/help V/version
end

function __fish_rdd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rdd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rdd_using_subcommand
    set -l cmd (__fish_rdd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rdd -n "__fish_rdd_needs_command" -l instance -d 'Instance to act on: files, ports and sockets of `rancher-desktop-NAME`. Must come before the command' -r
complete -c rdd -n "__fish_rdd_needs_command" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_needs_command" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_needs_command" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_needs_command" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_needs_command" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "svc" -d 'Manage this instance\'s service and files'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "set" -d 'Set properties of the App (PROP=VALUE) and wait until it settles'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "start" -d 'Start the container engine (`set running=true`) and print its DOCKER_HOST'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "stop" -d 'Stop the container engine (`set running=false`); no App: nothing to do'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "delete" -d 'Delete the App: the engine stops, mirrors go, then the App; waits until it is gone'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "run" -d 'Run CMD with this instance\'s DOCKER_HOST and KUBECONFIG, starting the engine first'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "ctl" -d 'kubectl\'s verbs against this instance: get, describe, wait, patch, delete, create, apply, label, annotate natively; others through kubectl'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "kubectl" -d 'Run kubectl from PATH with this instance\'s kubeconfig'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "engine-controller" -d 'Run the engine controller alone against any cluster that serves rdd\'s CRDs'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "crds" -d 'Print the CustomResourceDefinitions of rdd\'s kinds as YAML'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "version" -d 'Print the version'
complete -c rdd -n "__fish_rdd_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "serve" -d 'Run the service in the foreground: API server and in-process controllers'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "start" -d 'Start the service in the background and wait until it is ready'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "stop" -d 'Stop the background service (graceful shutdown) and wait until it is gone'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "status" -d 'Show whether the instance exists and its service runs'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "config" -d 'Print the instance\'s kubeconfig (contexts root and the read-only user)'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "logs" -d 'Print the service\'s log'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "delete" -d 'Stop the service, then remove all of the instance\'s files'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "paths" -d 'Print the files and directories this instance uses'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and not __fish_seen_subcommand_from serve start stop status config logs delete paths help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l controllers -d 'Controllers to run: a comma list of `*` (all), names (app, engine) and -NAME exclusions; empty for the API server alone' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l port -d 'Listen on exactly this port [default: 6443 + instance index, or a free port when that one is taken]' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l bind -d 'Listen on this address instead of 127.0.0.1. Any non-loopback address makes the API reachable from other machines' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -l wait -d 'Wait until the service is ready; --wait=false returns once it is started' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -l timeout -d 'Longest wait for readiness (exit 4 beyond it); 0 does not wait' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -l wait -d 'Wait until the service has exited; --wait=false returns once it is signalled' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -l timeout -d 'Longest wait for the service to exit (exit 4 beyond it); 0 does not wait' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from config" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from config" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from config" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new lines until interrupted'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -l timeout -d 'Longest wait for the service to exit (exit 4 beyond it, nothing removed)' -r
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
shell\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from paths" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Run the service in the foreground: API server and in-process controllers'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start the service in the background and wait until it is ready'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the background service (graceful shutdown) and wait until it is gone'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the instance exists and its service runs'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "config" -d 'Print the instance\'s kubeconfig (contexts root and the read-only user)'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Print the service\'s log'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Stop the service, then remove all of the instance\'s files'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "paths" -d 'Print the files and directories this instance uses'
complete -c rdd -n "__fish_rdd_using_subcommand svc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rdd -n "__fish_rdd_using_subcommand set" -l wait -d 'Wait until the App settles; --wait=false returns once the change is written' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand set" -l timeout -d 'Longest wait (exit 4 beyond it); 0 waits forever' -r
complete -c rdd -n "__fish_rdd_using_subcommand set" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand set" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand set" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand set" -l dry-run -d 'Validate and send the change as a server-side dry run: nothing is stored, nothing waits'
complete -c rdd -n "__fish_rdd_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rdd -n "__fish_rdd_using_subcommand set" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand start" -l wait -d 'Wait until the App settles; --wait=false returns once the change is written' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand start" -l timeout -d 'Longest wait (exit 4 beyond it); 0 waits forever' -r
complete -c rdd -n "__fish_rdd_using_subcommand start" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand start" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand start" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rdd -n "__fish_rdd_using_subcommand start" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand stop" -l wait -d 'Wait until the App settles; --wait=false returns once the change is written' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand stop" -l timeout -d 'Longest wait (exit 4 beyond it); 0 waits forever' -r
complete -c rdd -n "__fish_rdd_using_subcommand stop" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand stop" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand stop" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand stop" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand stop" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand delete" -l wait -d 'Wait until the App settles; --wait=false returns once the change is written' -r -f -a "true\t''
false\t''"
complete -c rdd -n "__fish_rdd_using_subcommand delete" -l timeout -d 'Longest wait (exit 4 beyond it); 0 waits forever' -r
complete -c rdd -n "__fish_rdd_using_subcommand delete" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand delete" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand delete" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand delete" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand delete" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand run" -l timeout -d 'Longest wait for the engine to be running (exit 4 beyond it); 0 waits forever' -r
complete -c rdd -n "__fish_rdd_using_subcommand run" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand run" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand run" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rdd -n "__fish_rdd_using_subcommand run" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand ctl" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand ctl" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand ctl" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand ctl" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand kubectl" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand kubectl" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand kubectl" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand kubectl" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l kubeconfig -d 'Kubeconfig of the cluster [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l context -d 'Kubeconfig context [default: the file\'s current context]' -r
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l docker-host -d 'Docker endpoint to mirror (e.g. unix:///run/docker.sock) [default: the engine the App runs]' -r
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l namespace -d 'Mirror into this namespace [default: the App\'s spec.namespace]' -r
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l resync-period -d 'How often a full sync repairs dropped events' -r
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l metrics-addr -d 'Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9090)' -r
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rdd -n "__fish_rdd_using_subcommand engine-controller" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand crds" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand crds" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand crds" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand crds" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand crds" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand completion" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand completion" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand completion" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand completion" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand completion" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand version" -l log-level -d 'Log level for rdd\'s diagnostics on stderr (default: warn; info for services)' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c rdd -n "__fish_rdd_using_subcommand version" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c rdd -n "__fish_rdd_using_subcommand version" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rdd -n "__fish_rdd_using_subcommand version" -s h -l help -d 'Print help'
complete -c rdd -n "__fish_rdd_using_subcommand version" -s V -l version -d 'Print version'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "svc" -d 'Manage this instance\'s service and files'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "set" -d 'Set properties of the App (PROP=VALUE) and wait until it settles'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "start" -d 'Start the container engine (`set running=true`) and print its DOCKER_HOST'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "stop" -d 'Stop the container engine (`set running=false`); no App: nothing to do'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "delete" -d 'Delete the App: the engine stops, mirrors go, then the App; waits until it is gone'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "run" -d 'Run CMD with this instance\'s DOCKER_HOST and KUBECONFIG, starting the engine first'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "ctl" -d 'kubectl\'s verbs against this instance: get, describe, wait, patch, delete, create, apply, label, annotate natively; others through kubectl'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "kubectl" -d 'Run kubectl from PATH with this instance\'s kubeconfig'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "engine-controller" -d 'Run the engine controller alone against any cluster that serves rdd\'s CRDs'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "crds" -d 'Print the CustomResourceDefinitions of rdd\'s kinds as YAML'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "version" -d 'Print the version'
complete -c rdd -n "__fish_rdd_using_subcommand help; and not __fish_seen_subcommand_from svc set start stop delete run ctl kubectl engine-controller crds completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "serve" -d 'Run the service in the foreground: API server and in-process controllers'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "start" -d 'Start the service in the background and wait until it is ready'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "stop" -d 'Stop the background service (graceful shutdown) and wait until it is gone'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "status" -d 'Show whether the instance exists and its service runs'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "config" -d 'Print the instance\'s kubeconfig (contexts root and the read-only user)'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "logs" -d 'Print the service\'s log'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "delete" -d 'Stop the service, then remove all of the instance\'s files'
complete -c rdd -n "__fish_rdd_using_subcommand help; and __fish_seen_subcommand_from svc" -f -a "paths" -d 'Print the files and directories this instance uses'

# bash completion for numberd -- installed as
# /usr/share/bash-completion/completions/numberd (CMake install, the .deb).
# Completes commands, subcommands and the options each one's --help names;
# --db and FILE arguments complete as files.

_numberd() {
    local cur prev cmd sub opts
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    sub="${COMP_WORDS[2]}"

    case "$prev" in
        --db|--log-file|--admin-token-file|--secret-key-file|--metrics-token-file|--sbc-token-file|--out-password-file|-o|--output)
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0 ;;
        --log-level)
            COMPREPLY=($(compgen -W "debug info warn error off" -- "$cur"))
            return 0 ;;
        --state)
            COMPREPLY=($(compgen -W "available active pending aging" -- "$cur"))
            return 0 ;;
        --scopes)
            COMPREPLY=($(compgen -W "phone_numbers:read phone_numbers:write api_keys:manage webhooks:manage phone_numbers:read,phone_numbers:write" -- "$cur"))
            return 0 ;;
        --type)
            # events --type is an event type (free text: number.bought, ...)
            [ "$cmd" = events ] && return 0
            COMPREPLY=($(compgen -W "local national mobile tollfree fixed" -- "$cur"))
            return 0 ;;
    esac

    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "serve account apikey inventory compliance number carrier events migrate --help --version" -- "$cur"))
        return 0
    fi

    local subs=""
    case "$cmd" in
        account) subs="create list suspend resume close rotate-token" ;;
        apikey) subs="create list revoke" ;;
        inventory) subs="import export generate stats" ;;
        compliance) subs="create" ;;
        number) subs="approve set-status" ;;
        carrier) subs="add list show update delete" ;;
    esac
    if [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ]; then
        COMPREPLY=($(compgen -W "$subs --help" -- "$cur"))
        return 0
    fi

    case "$cmd $sub" in
        "serve "*) opts="--db --listen --threads --write-threads --aging-days --event-retention --rate-limit --auth-fail-limit --max-conns-per-ip --conn-timeout --admin-token-file --secret-key-file --log-level --log-file --metrics-token-file --metrics-open --shutdown-timeout --trusted-proxies --sip-listen --sip-contact --sip-outbound-proxy --sip-allow-private --sbc-token-file --sbc-cache-ttl --sbc-listen --webhook-workers --webhook-allow-private --demo --help" ;;
        "carrier add") opts="--inbound --outbound --out-user --out-password-file --out-realm --secret-key-file --db" ;;
        "carrier update") opts="--name --inbound --outbound --out-user --out-password-file --out-realm --no-outbound-auth --secret-key-file --db" ;;
        "carrier "*) opts="--db" ;;
        "account create") opts="--name --db" ;;
        "account list") opts="--json --db" ;;
        "account rotate-token") opts="--grace --db" ;;
        "account "*) opts="--db" ;;
        "apikey create") opts="--account --scopes --label --expires-in --db" ;;
        "apikey list") opts="--account --json --db" ;;
        "apikey revoke") opts="--account --db" ;;
        "inventory import") opts="--dry-run --allow-rejected --db" ;;
        "inventory export") opts="--country --state -o --output --db" ;;
        "inventory generate") opts="--count --country --seed" ;;
        "inventory stats") opts="--json --db" ;;
        "compliance create") opts="--account --country --type --db" ;;
        "number approve") opts="--db" ;;
        "number set-status") opts="--tendlc-status --tendlc-campaign --tf-verification --caller-reputation --db" ;;
        "events "*) opts="--object-type --object-id --account --actor --type --since --until --after --limit --json --follow --interval --db" ;;
        "migrate "*) opts="--db" ;;
    esac
    if [[ "$cur" == -* ]] || [ "$cmd $sub" = "inventory import" ]; then
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
        [ "$cmd $sub" = "inventory import" ] && [[ "$cur" != -* ]] && COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
}
complete -F _numberd numberd

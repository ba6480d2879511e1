# bash completion for trainplat. Install: source this file from ~/.bashrc, e.g.
#   source /path/to/completions/trainplat.bash
# It asks trainplat itself (System.CommandLine's [suggest] directive), so it always
# matches the installed version's commands and options.
_trainplat_complete() {
    local IFS=$'\n'
    COMPREPLY=($(trainplat "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
}
complete -o default -F _trainplat_complete trainplat

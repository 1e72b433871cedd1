# General behaviour of the program (sourced by run.sh).
expect_exit 0 "--version" --version
expect_exit 0 "--help" --help
expect_error 1 "unknown command" "unknown command" frobnicate
expect_exit 1 "no command"

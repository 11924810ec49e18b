/* main.c -- numberd: a self-hosted phone-number and carrier manager. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}

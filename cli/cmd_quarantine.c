/* cmd_quarantine.c - stub */
#include "cli.h"
int
cli_cmd_quarantine(int argc, char **argv)
{
	if (!cli_options(&argc, &argv, "", "quarantine", NULL))
		return EX_USAGE;
	return 0;
}

/* config_example.c - prints the configuration 'mfactl init' writes (every
 * setting at its default, commented), installed as mfa.conf.example: the
 * same text, never a copy that could drift. */
#include <stdio.h>

#include "config.h"

int main(void)
{
	return fputs(config_default_text(), stdout) == EOF;
}

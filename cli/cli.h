/* cli.h: placeholder */

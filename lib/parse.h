/* parse.h: placeholder */
#ifndef HERALD_PARSE_H
#define HERALD_PARSE_H
#endif

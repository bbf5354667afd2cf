/*
 * opml.c: reads an OPML subscription list for the configuration: libxml2's
 * tree parser with no network, a stop at any entity declaration, and the
 * outlines with an xmlUrl handed over one by one.  What a feed is called
 * and whether it is configured already is config.c's business.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlstring.h>

#include "opml.h"
#include "text.h"
#include "util.h"

#define OPML_DEPTH	64	/* nested outlines */

static void __attribute__((format(printf, 4, 5)))
opml_error(const struct opml_reader *rd, int line, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rd->error(rd->arg, line, key, msg);
}

/* The value of attribute `name` (any case) of n, or NULL; caller frees. */
static char *
opml_attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr	 a;
	xmlChar		*v;

	for (a = n->properties; a != NULL; a = a->next) {
		if (strcasecmp((const char *)a->name, name) != 0)
			continue;
		v = xmlNodeListGetString(n->doc, a->children, 1);
		return (char *)v;
	}
	return NULL;
}

static void
opml_feed(const struct opml_reader *rd, xmlNodePtr n, char *url)
{
	char		*title, *u = url;
	size_t		 i;
	int		 line = (int)xmlGetLineNo(n);

	u[strcspn(u, "\r\n")] = '\0';
	u += strspn(u, " \t");
	for (i = strlen(u); i > 0 && (u[i - 1] == ' ' || u[i - 1] == '\t'); )
		u[--i] = '\0';
	if (*u == '\0') {
		opml_error(rd, line, "xmlUrl", "empty value");
		return;
	}
	if ((title = opml_attr(n, "title")) == NULL || *title == '\0') {
		free(title);
		title = opml_attr(n, "text");
	}
	if (title != NULL) {
		text_collapse_ws(title);
		if (*title == '\0') {
			free(title);
			title = NULL;
		}
	}
	rd->feed(rd->arg, line, u, title);
	free(title);
}

static void
opml_outlines(const struct opml_reader *rd, xmlNodePtr n, int depth)
{
	char	*url;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(n->name, (const xmlChar *)"outline"))
			continue;
		if ((url = opml_attr(n, "xmlUrl")) != NULL) {
			opml_feed(rd, n, url);
			xmlFree(url);
		}
		if (n->children == NULL)
			continue;
		if (depth >= OPML_DEPTH) {
			opml_error(rd, (int)xmlGetLineNo(n), "outline",
			    "nested deeper than %d", OPML_DEPTH);
			continue;
		}
		opml_outlines(rd, n->children, depth + 1);
	}
}

struct opml_guard {
	int	 entity;	/* line of an entity declaration, or 0 */
	int	 errline;	/* the first error: libxml2 keeps the last */
	char	*errmsg;
};

static void
opml_xml_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct opml_guard	*g = ctxt->_private;
	size_t			 n;

	if (e->level < XML_ERR_ERROR || g->errmsg != NULL)
		return;
	g->errmsg = xstrdup(e->message != NULL ? e->message : "error");
	n = strlen(g->errmsg);
	while (n > 0 && (g->errmsg[n - 1] == '\n' || g->errmsg[n - 1] == ' '))
		g->errmsg[--n] = '\0';
	g->errline = e->line;
}

/* Any entity declaration stops the parse: OPML has no use for one. */
static void
opml_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicId, const xmlChar *systemId, xmlChar *content)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct opml_guard	*g = ctxt->_private;

	(void)name; (void)type; (void)publicId; (void)systemId;
	(void)content;
	if (g->entity == 0)
		g->entity = xmlSAX2GetLineNumber(ctx);
	xmlStopParser(ctxt);
}

static void
opml_unparsed_entity_decl(void *ctx, const xmlChar *name,
    const xmlChar *publicId, const xmlChar *systemId,
    const xmlChar *notationName)
{
	(void)notationName;
	opml_entity_decl(ctx, name, 0, publicId, systemId, NULL);
}

int
opml_read(const char *data, size_t len, const char *name,
    const struct opml_reader *rd)
{
	xmlParserCtxtPtr	 ctxt = NULL;
	xmlDocPtr		 doc = NULL;
	xmlNodePtr		 root, n;
	struct opml_guard	 guard = { 0, 0, NULL };
	int			 ret = -1;

	if (len > INT_MAX || (ctxt = xmlNewParserCtxt()) == NULL) {
		opml_error(rd, 0, "opml", "cannot parse");
		goto done;
	}
	ctxt->sax->entityDecl = opml_entity_decl;
	ctxt->sax->unparsedEntityDecl = opml_unparsed_entity_decl;
	ctxt->sax->serror = opml_xml_error;
	ctxt->_private = &guard;
	/* No network, no DTD, no entity substitution, no huge mode. */
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL,
	    XML_PARSE_NONET);
	if (guard.entity != 0) {
		opml_error(rd, guard.entity, "opml",
		    "entity declarations are not allowed");
		goto done;
	}
	if (doc == NULL || !ctxt->wellFormed) {
		opml_error(rd, guard.errline, "opml", "%s",
		    guard.errmsg != NULL ? guard.errmsg : "not well-formed XML");
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !xmlStrEqual(root->name, (const xmlChar *)"opml")) {
		opml_error(rd, root != NULL ? (int)xmlGetLineNo(root) : 0,
		    "opml", "not an OPML document (root element <%s>)",
		    root != NULL ? (const char *)root->name : "");
		goto done;
	}
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, (const xmlChar *)"body"))
			opml_outlines(rd, n->children, 0);
	ret = 0;
done:
	xmlFreeDoc(doc);
	if (ctxt != NULL)
		xmlFreeParserCtxt(ctxt);
	free(guard.errmsg);
	return ret;
}

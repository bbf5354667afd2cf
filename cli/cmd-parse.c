int cmd_parse_placeholder;

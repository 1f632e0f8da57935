-- PostgreSQL catalog compatibility for PostgreSQL clients: the pg_catalog tables and functions
-- that psql, pgJDBC, SQLAlchemy and BI tools query, rebuilt as views and macros over DuckDB's own
-- catalog functions (duckdb_tables(), duckdb_columns(), duckdb_constraints(), …) with PostgreSQL's
-- type OIDs. They live in the database __pgcompat, made once per worker (pg/pg_compat.c); PostgreSQL
-- sessions have __pgcompat.main at the end of their search path, and the front-end drops the
-- pg_catalog. qualifier from names, so these are found before DuckDB's own pg_catalog (which SQL
-- cannot change) while the session's own tables still come first.
-- NOTE on macro hygiene: DuckDB macros are expanded textually, so every subquery inside a macro uses
-- pgcat_*_ aliases; an argument written as a bare column name that also exists in the inner table would
-- still be captured (no such call in the captured client queries).
-- ---------------------------------------------------------------- small scalar helpers
-- role name reported for every owner / current role
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_user() AS coalesce(getvariable('pgcat_user'), 'duckdb');
-- current_user and its kin name the logged-in user, not DuckDB's fixed 'duckdb' (these come before
-- the system's macros of the same names on the search path)
CREATE OR REPLACE MACRO __pgcompat.main.current_user() AS pgcat_user();
CREATE OR REPLACE MACRO __pgcompat.main.session_user() AS pgcat_user();
CREATE OR REPLACE MACRO __pgcompat.main.current_role() AS pgcat_user();
CREATE OR REPLACE MACRO __pgcompat.main."user"() AS pgcat_user();
-- namespace oid as seen by PG clients: system.pg_catalog and system.main (builtins) become 11
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_nsp_oid(dbname, sname, soid) AS
    CASE WHEN dbname = 'system' AND sname IN ('pg_catalog', 'main') THEN 11 ELSE soid END;

-- ---------------------------------------------------------------- pg_type
-- PostgreSQL 15 builtin base + pseudo types (dumped from a real server), plus DuckDB ENUM types.
-- typinput etc. are regproc in PG; here VARCHAR holding 'pg_catalog.<proc>' so that pgJDBC's
-- typinput='pg_catalog.array_in'::regproc compares equal (regproc is a VARCHAR alias, see sys section).
CREATE OR REPLACE VIEW __pgcompat.main.pgcat_builtin_types AS
SELECT * FROM (VALUES
  (16,'bool',1,true,'b','B',true,',',0,1000,'boolin','boolout','boolrecv','boolsend','c','p',0,'boolean'),
  (17,'bytea',-1,false,'b','U',false,',',0,1001,'byteain','byteaout','bytearecv','byteasend','i','x',0,'bytea'),
  (18,'char',1,true,'b','Z',false,',',0,1002,'charin','charout','charrecv','charsend','c','p',0,'"char"'),
  (19,'name',64,false,'b','S',false,',',18,1003,'namein','nameout','namerecv','namesend','c','p',950,'name'),
  (20,'int8',8,true,'b','N',false,',',0,1016,'int8in','int8out','int8recv','int8send','d','p',0,'bigint'),
  (21,'int2',2,true,'b','N',false,',',0,1005,'int2in','int2out','int2recv','int2send','s','p',0,'smallint'),
  (22,'int2vector',-1,false,'b','A',false,',',21,1006,'int2vectorin','int2vectorout','int2vectorrecv','int2vectorsend','i','p',0,'int2vector'),
  (23,'int4',4,true,'b','N',false,',',0,1007,'int4in','int4out','int4recv','int4send','i','p',0,'integer'),
  (24,'regproc',4,true,'b','N',false,',',0,1008,'regprocin','regprocout','regprocrecv','regprocsend','i','p',0,'regproc'),
  (25,'text',-1,false,'b','S',true,',',0,1009,'textin','textout','textrecv','textsend','i','x',100,'text'),
  (26,'oid',4,true,'b','N',true,',',0,1028,'oidin','oidout','oidrecv','oidsend','i','p',0,'oid'),
  (27,'tid',6,false,'b','U',false,',',0,1010,'tidin','tidout','tidrecv','tidsend','s','p',0,'tid'),
  (28,'xid',4,true,'b','U',false,',',0,1011,'xidin','xidout','xidrecv','xidsend','i','p',0,'xid'),
  (29,'cid',4,true,'b','U',false,',',0,1012,'cidin','cidout','cidrecv','cidsend','i','p',0,'cid'),
  (30,'oidvector',-1,false,'b','A',false,',',26,1013,'oidvectorin','oidvectorout','oidvectorrecv','oidvectorsend','i','p',0,'oidvector'),
  (32,'pg_ddl_command',8,true,'p','P',false,',',0,0,'pg_ddl_command_in','pg_ddl_command_out','pg_ddl_command_recv','pg_ddl_command_send','d','p',0,'pg_ddl_command'),
  (114,'json',-1,false,'b','U',false,',',0,199,'json_in','json_out','json_recv','json_send','i','x',0,'json'),
  (142,'xml',-1,false,'b','U',false,',',0,143,'xml_in','xml_out','xml_recv','xml_send','i','x',0,'xml'),
  (143,'_xml',-1,false,'b','A',false,',',142,0,'array_in','array_out','array_recv','array_send','i','x',0,'xml[]'),
  (194,'pg_node_tree',-1,false,'b','Z',false,',',0,0,'pg_node_tree_in','pg_node_tree_out','pg_node_tree_recv','pg_node_tree_send','i','x',100,'pg_node_tree'),
  (199,'_json',-1,false,'b','A',false,',',114,0,'array_in','array_out','array_recv','array_send','i','x',0,'json[]'),
  (210,'_pg_type',-1,false,'b','A',false,',',71,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_type[]'),
  (269,'table_am_handler',4,true,'p','P',false,',',0,0,'table_am_handler_in','table_am_handler_out','-','-','i','p',0,'table_am_handler'),
  (270,'_pg_attribute',-1,false,'b','A',false,',',75,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_attribute[]'),
  (271,'_xid8',-1,false,'b','A',false,',',5069,0,'array_in','array_out','array_recv','array_send','d','x',0,'xid8[]'),
  (272,'_pg_proc',-1,false,'b','A',false,',',81,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_proc[]'),
  (273,'_pg_class',-1,false,'b','A',false,',',83,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_class[]'),
  (325,'index_am_handler',4,true,'p','P',false,',',0,0,'index_am_handler_in','index_am_handler_out','-','-','i','p',0,'index_am_handler'),
  (600,'point',16,false,'b','G',false,',',701,1017,'point_in','point_out','point_recv','point_send','d','p',0,'point'),
  (601,'lseg',32,false,'b','G',false,',',600,1018,'lseg_in','lseg_out','lseg_recv','lseg_send','d','p',0,'lseg'),
  (602,'path',-1,false,'b','G',false,',',0,1019,'path_in','path_out','path_recv','path_send','d','x',0,'path'),
  (603,'box',32,false,'b','G',false,';',600,1020,'box_in','box_out','box_recv','box_send','d','p',0,'box'),
  (604,'polygon',-1,false,'b','G',false,',',0,1027,'poly_in','poly_out','poly_recv','poly_send','d','x',0,'polygon'),
  (628,'line',24,false,'b','G',false,',',701,629,'line_in','line_out','line_recv','line_send','d','p',0,'line'),
  (629,'_line',-1,false,'b','A',false,',',628,0,'array_in','array_out','array_recv','array_send','d','x',0,'line[]'),
  (650,'cidr',-1,false,'b','I',false,',',0,651,'cidr_in','cidr_out','cidr_recv','cidr_send','i','m',0,'cidr'),
  (651,'_cidr',-1,false,'b','A',false,',',650,0,'array_in','array_out','array_recv','array_send','i','x',0,'cidr[]'),
  (700,'float4',4,true,'b','N',false,',',0,1021,'float4in','float4out','float4recv','float4send','i','p',0,'real'),
  (701,'float8',8,true,'b','N',true,',',0,1022,'float8in','float8out','float8recv','float8send','d','p',0,'double precision'),
  (705,'unknown',-2,false,'p','X',false,',',0,0,'unknownin','unknownout','unknownrecv','unknownsend','c','p',0,'unknown'),
  (718,'circle',24,false,'b','G',false,',',0,719,'circle_in','circle_out','circle_recv','circle_send','d','p',0,'circle'),
  (719,'_circle',-1,false,'b','A',false,',',718,0,'array_in','array_out','array_recv','array_send','d','x',0,'circle[]'),
  (774,'macaddr8',8,false,'b','U',false,',',0,775,'macaddr8_in','macaddr8_out','macaddr8_recv','macaddr8_send','i','p',0,'macaddr8'),
  (775,'_macaddr8',-1,false,'b','A',false,',',774,0,'array_in','array_out','array_recv','array_send','i','x',0,'macaddr8[]'),
  (790,'money',8,true,'b','N',false,',',0,791,'cash_in','cash_out','cash_recv','cash_send','d','p',0,'money'),
  (791,'_money',-1,false,'b','A',false,',',790,0,'array_in','array_out','array_recv','array_send','d','x',0,'money[]'),
  (829,'macaddr',6,false,'b','U',false,',',0,1040,'macaddr_in','macaddr_out','macaddr_recv','macaddr_send','i','p',0,'macaddr'),
  (869,'inet',-1,false,'b','I',true,',',0,1041,'inet_in','inet_out','inet_recv','inet_send','i','m',0,'inet'),
  (1000,'_bool',-1,false,'b','A',false,',',16,0,'array_in','array_out','array_recv','array_send','i','x',0,'boolean[]'),
  (1001,'_bytea',-1,false,'b','A',false,',',17,0,'array_in','array_out','array_recv','array_send','i','x',0,'bytea[]'),
  (1002,'_char',-1,false,'b','A',false,',',18,0,'array_in','array_out','array_recv','array_send','i','x',0,'"char"[]'),
  (1003,'_name',-1,false,'b','A',false,',',19,0,'array_in','array_out','array_recv','array_send','i','x',950,'name[]'),
  (1005,'_int2',-1,false,'b','A',false,',',21,0,'array_in','array_out','array_recv','array_send','i','x',0,'smallint[]'),
  (1006,'_int2vector',-1,false,'b','A',false,',',22,0,'array_in','array_out','array_recv','array_send','i','x',0,'int2vector[]'),
  (1007,'_int4',-1,false,'b','A',false,',',23,0,'array_in','array_out','array_recv','array_send','i','x',0,'integer[]'),
  (1008,'_regproc',-1,false,'b','A',false,',',24,0,'array_in','array_out','array_recv','array_send','i','x',0,'regproc[]'),
  (1009,'_text',-1,false,'b','A',false,',',25,0,'array_in','array_out','array_recv','array_send','i','x',100,'text[]'),
  (1010,'_tid',-1,false,'b','A',false,',',27,0,'array_in','array_out','array_recv','array_send','i','x',0,'tid[]'),
  (1011,'_xid',-1,false,'b','A',false,',',28,0,'array_in','array_out','array_recv','array_send','i','x',0,'xid[]'),
  (1012,'_cid',-1,false,'b','A',false,',',29,0,'array_in','array_out','array_recv','array_send','i','x',0,'cid[]'),
  (1013,'_oidvector',-1,false,'b','A',false,',',30,0,'array_in','array_out','array_recv','array_send','i','x',0,'oidvector[]'),
  (1014,'_bpchar',-1,false,'b','A',false,',',1042,0,'array_in','array_out','array_recv','array_send','i','x',100,'character[]'),
  (1015,'_varchar',-1,false,'b','A',false,',',1043,0,'array_in','array_out','array_recv','array_send','i','x',100,'character varying[]'),
  (1016,'_int8',-1,false,'b','A',false,',',20,0,'array_in','array_out','array_recv','array_send','d','x',0,'bigint[]'),
  (1017,'_point',-1,false,'b','A',false,',',600,0,'array_in','array_out','array_recv','array_send','d','x',0,'point[]'),
  (1018,'_lseg',-1,false,'b','A',false,',',601,0,'array_in','array_out','array_recv','array_send','d','x',0,'lseg[]'),
  (1019,'_path',-1,false,'b','A',false,',',602,0,'array_in','array_out','array_recv','array_send','d','x',0,'path[]'),
  (1020,'_box',-1,false,'b','A',false,';',603,0,'array_in','array_out','array_recv','array_send','d','x',0,'box[]'),
  (1021,'_float4',-1,false,'b','A',false,',',700,0,'array_in','array_out','array_recv','array_send','i','x',0,'real[]'),
  (1022,'_float8',-1,false,'b','A',false,',',701,0,'array_in','array_out','array_recv','array_send','d','x',0,'double precision[]'),
  (1027,'_polygon',-1,false,'b','A',false,',',604,0,'array_in','array_out','array_recv','array_send','d','x',0,'polygon[]'),
  (1028,'_oid',-1,false,'b','A',false,',',26,0,'array_in','array_out','array_recv','array_send','i','x',0,'oid[]'),
  (1033,'aclitem',12,false,'b','U',false,',',0,1034,'aclitemin','aclitemout','-','-','i','p',0,'aclitem'),
  (1034,'_aclitem',-1,false,'b','A',false,',',1033,0,'array_in','array_out','array_recv','array_send','i','x',0,'aclitem[]'),
  (1040,'_macaddr',-1,false,'b','A',false,',',829,0,'array_in','array_out','array_recv','array_send','i','x',0,'macaddr[]'),
  (1041,'_inet',-1,false,'b','A',false,',',869,0,'array_in','array_out','array_recv','array_send','i','x',0,'inet[]'),
  (1042,'bpchar',-1,false,'b','S',false,',',0,1014,'bpcharin','bpcharout','bpcharrecv','bpcharsend','i','x',100,'character'),
  (1043,'varchar',-1,false,'b','S',false,',',0,1015,'varcharin','varcharout','varcharrecv','varcharsend','i','x',100,'character varying'),
  (1082,'date',4,true,'b','D',false,',',0,1182,'date_in','date_out','date_recv','date_send','i','p',0,'date'),
  (1083,'time',8,true,'b','D',false,',',0,1183,'time_in','time_out','time_recv','time_send','d','p',0,'time without time zone'),
  (1114,'timestamp',8,true,'b','D',false,',',0,1115,'timestamp_in','timestamp_out','timestamp_recv','timestamp_send','d','p',0,'timestamp without time zone'),
  (1115,'_timestamp',-1,false,'b','A',false,',',1114,0,'array_in','array_out','array_recv','array_send','d','x',0,'timestamp without time zone[]'),
  (1182,'_date',-1,false,'b','A',false,',',1082,0,'array_in','array_out','array_recv','array_send','i','x',0,'date[]'),
  (1183,'_time',-1,false,'b','A',false,',',1083,0,'array_in','array_out','array_recv','array_send','d','x',0,'time without time zone[]'),
  (1184,'timestamptz',8,true,'b','D',true,',',0,1185,'timestamptz_in','timestamptz_out','timestamptz_recv','timestamptz_send','d','p',0,'timestamp with time zone'),
  (1185,'_timestamptz',-1,false,'b','A',false,',',1184,0,'array_in','array_out','array_recv','array_send','d','x',0,'timestamp with time zone[]'),
  (1186,'interval',16,false,'b','T',true,',',0,1187,'interval_in','interval_out','interval_recv','interval_send','d','p',0,'interval'),
  (1187,'_interval',-1,false,'b','A',false,',',1186,0,'array_in','array_out','array_recv','array_send','d','x',0,'interval[]'),
  (1231,'_numeric',-1,false,'b','A',false,',',1700,0,'array_in','array_out','array_recv','array_send','i','x',0,'numeric[]'),
  (1263,'_cstring',-1,false,'b','A',false,',',2275,0,'array_in','array_out','array_recv','array_send','i','x',0,'cstring[]'),
  (1266,'timetz',12,false,'b','D',false,',',0,1270,'timetz_in','timetz_out','timetz_recv','timetz_send','d','p',0,'time with time zone'),
  (1270,'_timetz',-1,false,'b','A',false,',',1266,0,'array_in','array_out','array_recv','array_send','d','x',0,'time with time zone[]'),
  (1560,'bit',-1,false,'b','V',false,',',0,1561,'bit_in','bit_out','bit_recv','bit_send','i','x',0,'bit'),
  (1561,'_bit',-1,false,'b','A',false,',',1560,0,'array_in','array_out','array_recv','array_send','i','x',0,'bit[]'),
  (1562,'varbit',-1,false,'b','V',true,',',0,1563,'varbit_in','varbit_out','varbit_recv','varbit_send','i','x',0,'bit varying'),
  (1563,'_varbit',-1,false,'b','A',false,',',1562,0,'array_in','array_out','array_recv','array_send','i','x',0,'bit varying[]'),
  (1700,'numeric',-1,false,'b','N',false,',',0,1231,'numeric_in','numeric_out','numeric_recv','numeric_send','i','m',0,'numeric'),
  (1790,'refcursor',-1,false,'b','U',false,',',0,2201,'textin','textout','textrecv','textsend','i','x',0,'refcursor'),
  (2201,'_refcursor',-1,false,'b','A',false,',',1790,0,'array_in','array_out','array_recv','array_send','i','x',0,'refcursor[]'),
  (2202,'regprocedure',4,true,'b','N',false,',',0,2207,'regprocedurein','regprocedureout','regprocedurerecv','regproceduresend','i','p',0,'regprocedure'),
  (2203,'regoper',4,true,'b','N',false,',',0,2208,'regoperin','regoperout','regoperrecv','regopersend','i','p',0,'regoper'),
  (2204,'regoperator',4,true,'b','N',false,',',0,2209,'regoperatorin','regoperatorout','regoperatorrecv','regoperatorsend','i','p',0,'regoperator'),
  (2205,'regclass',4,true,'b','N',false,',',0,2210,'regclassin','regclassout','regclassrecv','regclasssend','i','p',0,'regclass'),
  (2206,'regtype',4,true,'b','N',false,',',0,2211,'regtypein','regtypeout','regtyperecv','regtypesend','i','p',0,'regtype'),
  (2207,'_regprocedure',-1,false,'b','A',false,',',2202,0,'array_in','array_out','array_recv','array_send','i','x',0,'regprocedure[]'),
  (2208,'_regoper',-1,false,'b','A',false,',',2203,0,'array_in','array_out','array_recv','array_send','i','x',0,'regoper[]'),
  (2209,'_regoperator',-1,false,'b','A',false,',',2204,0,'array_in','array_out','array_recv','array_send','i','x',0,'regoperator[]'),
  (2210,'_regclass',-1,false,'b','A',false,',',2205,0,'array_in','array_out','array_recv','array_send','i','x',0,'regclass[]'),
  (2211,'_regtype',-1,false,'b','A',false,',',2206,0,'array_in','array_out','array_recv','array_send','i','x',0,'regtype[]'),
  (2249,'record',-1,false,'p','P',false,',',0,2287,'record_in','record_out','record_recv','record_send','d','x',0,'record'),
  (2275,'cstring',-2,false,'p','P',false,',',0,1263,'cstring_in','cstring_out','cstring_recv','cstring_send','c','p',0,'cstring'),
  (2276,'any',4,true,'p','P',false,',',0,0,'any_in','any_out','-','-','i','p',0,'"any"'),
  (2277,'anyarray',-1,false,'p','P',false,',',0,0,'anyarray_in','anyarray_out','anyarray_recv','anyarray_send','d','x',0,'anyarray'),
  (2278,'void',4,true,'p','P',false,',',0,0,'void_in','void_out','void_recv','void_send','i','p',0,'void'),
  (2279,'trigger',4,true,'p','P',false,',',0,0,'trigger_in','trigger_out','-','-','i','p',0,'trigger'),
  (2280,'language_handler',4,true,'p','P',false,',',0,0,'language_handler_in','language_handler_out','-','-','i','p',0,'language_handler'),
  (2281,'internal',8,true,'p','P',false,',',0,0,'internal_in','internal_out','-','-','d','p',0,'internal'),
  (2283,'anyelement',4,true,'p','P',false,',',0,0,'anyelement_in','anyelement_out','-','-','i','p',0,'anyelement'),
  (2287,'_record',-1,false,'p','P',false,',',2249,0,'array_in','array_out','array_recv','array_send','d','x',0,'record[]'),
  (2776,'anynonarray',4,true,'p','P',false,',',0,0,'anynonarray_in','anynonarray_out','-','-','i','p',0,'anynonarray'),
  (2949,'_txid_snapshot',-1,false,'b','A',false,',',2970,0,'array_in','array_out','array_recv','array_send','d','x',0,'txid_snapshot[]'),
  (2950,'uuid',16,false,'b','U',false,',',0,2951,'uuid_in','uuid_out','uuid_recv','uuid_send','c','p',0,'uuid'),
  (2951,'_uuid',-1,false,'b','A',false,',',2950,0,'array_in','array_out','array_recv','array_send','i','x',0,'uuid[]'),
  (2970,'txid_snapshot',-1,false,'b','U',false,',',0,2949,'txid_snapshot_in','txid_snapshot_out','txid_snapshot_recv','txid_snapshot_send','d','x',0,'txid_snapshot'),
  (3115,'fdw_handler',4,true,'p','P',false,',',0,0,'fdw_handler_in','fdw_handler_out','-','-','i','p',0,'fdw_handler'),
  (3220,'pg_lsn',8,true,'b','U',false,',',0,3221,'pg_lsn_in','pg_lsn_out','pg_lsn_recv','pg_lsn_send','d','p',0,'pg_lsn'),
  (3221,'_pg_lsn',-1,false,'b','A',false,',',3220,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_lsn[]'),
  (3310,'tsm_handler',4,true,'p','P',false,',',0,0,'tsm_handler_in','tsm_handler_out','-','-','i','p',0,'tsm_handler'),
  (3361,'pg_ndistinct',-1,false,'b','Z',false,',',0,0,'pg_ndistinct_in','pg_ndistinct_out','pg_ndistinct_recv','pg_ndistinct_send','i','x',100,'pg_ndistinct'),
  (3402,'pg_dependencies',-1,false,'b','Z',false,',',0,0,'pg_dependencies_in','pg_dependencies_out','pg_dependencies_recv','pg_dependencies_send','i','x',100,'pg_dependencies'),
  (3500,'anyenum',4,true,'p','P',false,',',0,0,'anyenum_in','anyenum_out','-','-','i','p',0,'anyenum'),
  (3614,'tsvector',-1,false,'b','U',false,',',0,3643,'tsvectorin','tsvectorout','tsvectorrecv','tsvectorsend','i','x',0,'tsvector'),
  (3615,'tsquery',-1,false,'b','U',false,',',0,3645,'tsqueryin','tsqueryout','tsqueryrecv','tsquerysend','i','p',0,'tsquery'),
  (3642,'gtsvector',-1,false,'b','U',false,',',0,3644,'gtsvectorin','gtsvectorout','-','-','i','p',0,'gtsvector'),
  (3643,'_tsvector',-1,false,'b','A',false,',',3614,0,'array_in','array_out','array_recv','array_send','i','x',0,'tsvector[]'),
  (3644,'_gtsvector',-1,false,'b','A',false,',',3642,0,'array_in','array_out','array_recv','array_send','i','x',0,'gtsvector[]'),
  (3645,'_tsquery',-1,false,'b','A',false,',',3615,0,'array_in','array_out','array_recv','array_send','i','x',0,'tsquery[]'),
  (3734,'regconfig',4,true,'b','N',false,',',0,3735,'regconfigin','regconfigout','regconfigrecv','regconfigsend','i','p',0,'regconfig'),
  (3735,'_regconfig',-1,false,'b','A',false,',',3734,0,'array_in','array_out','array_recv','array_send','i','x',0,'regconfig[]'),
  (3769,'regdictionary',4,true,'b','N',false,',',0,3770,'regdictionaryin','regdictionaryout','regdictionaryrecv','regdictionarysend','i','p',0,'regdictionary'),
  (3770,'_regdictionary',-1,false,'b','A',false,',',3769,0,'array_in','array_out','array_recv','array_send','i','x',0,'regdictionary[]'),
  (3802,'jsonb',-1,false,'b','U',false,',',0,3807,'jsonb_in','jsonb_out','jsonb_recv','jsonb_send','i','x',0,'jsonb'),
  (3807,'_jsonb',-1,false,'b','A',false,',',3802,0,'array_in','array_out','array_recv','array_send','i','x',0,'jsonb[]'),
  (3831,'anyrange',-1,false,'p','P',false,',',0,0,'anyrange_in','anyrange_out','-','-','d','x',0,'anyrange'),
  (3838,'event_trigger',4,true,'p','P',false,',',0,0,'event_trigger_in','event_trigger_out','-','-','i','p',0,'event_trigger'),
  (3905,'_int4range',-1,false,'b','A',false,',',3904,0,'array_in','array_out','array_recv','array_send','i','x',0,'int4range[]'),
  (3907,'_numrange',-1,false,'b','A',false,',',3906,0,'array_in','array_out','array_recv','array_send','i','x',0,'numrange[]'),
  (3909,'_tsrange',-1,false,'b','A',false,',',3908,0,'array_in','array_out','array_recv','array_send','d','x',0,'tsrange[]'),
  (3911,'_tstzrange',-1,false,'b','A',false,',',3910,0,'array_in','array_out','array_recv','array_send','d','x',0,'tstzrange[]'),
  (3913,'_daterange',-1,false,'b','A',false,',',3912,0,'array_in','array_out','array_recv','array_send','i','x',0,'daterange[]'),
  (3927,'_int8range',-1,false,'b','A',false,',',3926,0,'array_in','array_out','array_recv','array_send','d','x',0,'int8range[]'),
  (4072,'jsonpath',-1,false,'b','U',false,',',0,4073,'jsonpath_in','jsonpath_out','jsonpath_recv','jsonpath_send','i','x',0,'jsonpath'),
  (4073,'_jsonpath',-1,false,'b','A',false,',',4072,0,'array_in','array_out','array_recv','array_send','i','x',0,'jsonpath[]'),
  (4089,'regnamespace',4,true,'b','N',false,',',0,4090,'regnamespacein','regnamespaceout','regnamespacerecv','regnamespacesend','i','p',0,'regnamespace'),
  (4090,'_regnamespace',-1,false,'b','A',false,',',4089,0,'array_in','array_out','array_recv','array_send','i','x',0,'regnamespace[]'),
  (4096,'regrole',4,true,'b','N',false,',',0,4097,'regrolein','regroleout','regrolerecv','regrolesend','i','p',0,'regrole'),
  (4097,'_regrole',-1,false,'b','A',false,',',4096,0,'array_in','array_out','array_recv','array_send','i','x',0,'regrole[]'),
  (4191,'regcollation',4,true,'b','N',false,',',0,4192,'regcollationin','regcollationout','regcollationrecv','regcollationsend','i','p',0,'regcollation'),
  (4192,'_regcollation',-1,false,'b','A',false,',',4191,0,'array_in','array_out','array_recv','array_send','i','x',0,'regcollation[]'),
  (4537,'anymultirange',-1,false,'p','P',false,',',0,0,'anymultirange_in','anymultirange_out','-','-','d','x',0,'anymultirange'),
  (4538,'anycompatiblemultirange',-1,false,'p','P',false,',',0,0,'anycompatiblemultirange_in','anycompatiblemultirange_out','-','-','d','x',0,'anycompatiblemultirange'),
  (4600,'pg_brin_bloom_summary',-1,false,'b','Z',false,',',0,0,'brin_bloom_summary_in','brin_bloom_summary_out','brin_bloom_summary_recv','brin_bloom_summary_send','i','x',100,'pg_brin_bloom_summary'),
  (4601,'pg_brin_minmax_multi_summary',-1,false,'b','Z',false,',',0,0,'brin_minmax_multi_summary_in','brin_minmax_multi_summary_out','brin_minmax_multi_summary_recv','brin_minmax_multi_summary_send','i','x',100,'pg_brin_minmax_multi_summary'),
  (5017,'pg_mcv_list',-1,false,'b','Z',false,',',0,0,'pg_mcv_list_in','pg_mcv_list_out','pg_mcv_list_recv','pg_mcv_list_send','i','x',100,'pg_mcv_list'),
  (5038,'pg_snapshot',-1,false,'b','U',false,',',0,5039,'pg_snapshot_in','pg_snapshot_out','pg_snapshot_recv','pg_snapshot_send','d','x',0,'pg_snapshot'),
  (5039,'_pg_snapshot',-1,false,'b','A',false,',',5038,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_snapshot[]'),
  (5069,'xid8',8,true,'b','U',false,',',0,271,'xid8in','xid8out','xid8recv','xid8send','d','p',0,'xid8'),
  (5077,'anycompatible',4,true,'p','P',false,',',0,0,'anycompatible_in','anycompatible_out','-','-','i','p',0,'anycompatible'),
  (5078,'anycompatiblearray',-1,false,'p','P',false,',',0,0,'anycompatiblearray_in','anycompatiblearray_out','anycompatiblearray_recv','anycompatiblearray_send','d','x',0,'anycompatiblearray'),
  (5079,'anycompatiblenonarray',4,true,'p','P',false,',',0,0,'anycompatiblenonarray_in','anycompatiblenonarray_out','-','-','i','p',0,'anycompatiblenonarray'),
  (5080,'anycompatiblerange',-1,false,'p','P',false,',',0,0,'anycompatiblerange_in','anycompatiblerange_out','-','-','d','x',0,'anycompatiblerange'),
  (6150,'_int4multirange',-1,false,'b','A',false,',',4451,0,'array_in','array_out','array_recv','array_send','i','x',0,'int4multirange[]'),
  (6151,'_nummultirange',-1,false,'b','A',false,',',4532,0,'array_in','array_out','array_recv','array_send','i','x',0,'nummultirange[]'),
  (6152,'_tsmultirange',-1,false,'b','A',false,',',4533,0,'array_in','array_out','array_recv','array_send','d','x',0,'tsmultirange[]'),
  (6153,'_tstzmultirange',-1,false,'b','A',false,',',4534,0,'array_in','array_out','array_recv','array_send','d','x',0,'tstzmultirange[]'),
  (6155,'_datemultirange',-1,false,'b','A',false,',',4535,0,'array_in','array_out','array_recv','array_send','i','x',0,'datemultirange[]'),
  (6157,'_int8multirange',-1,false,'b','A',false,',',4536,0,'array_in','array_out','array_recv','array_send','d','x',0,'int8multirange[]'),
  (10000,'_pg_attrdef',-1,false,'b','A',false,',',10001,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_attrdef[]'),
  (10002,'_pg_constraint',-1,false,'b','A',false,',',10003,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_constraint[]'),
  (10004,'_pg_inherits',-1,false,'b','A',false,',',10005,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_inherits[]'),
  (10006,'_pg_index',-1,false,'b','A',false,',',10007,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_index[]'),
  (10008,'_pg_operator',-1,false,'b','A',false,',',10009,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_operator[]'),
  (10010,'_pg_opfamily',-1,false,'b','A',false,',',10011,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_opfamily[]'),
  (10012,'_pg_opclass',-1,false,'b','A',false,',',10013,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_opclass[]'),
  (10014,'_pg_am',-1,false,'b','A',false,',',10015,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_am[]'),
  (10016,'_pg_amop',-1,false,'b','A',false,',',10017,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_amop[]'),
  (10018,'_pg_amproc',-1,false,'b','A',false,',',10019,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_amproc[]'),
  (10020,'_pg_language',-1,false,'b','A',false,',',10021,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_language[]'),
  (10022,'_pg_largeobject_metadata',-1,false,'b','A',false,',',10023,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_largeobject_metadata[]'),
  (10024,'_pg_largeobject',-1,false,'b','A',false,',',10025,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_largeobject[]'),
  (10026,'_pg_aggregate',-1,false,'b','A',false,',',10027,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_aggregate[]'),
  (10028,'_pg_statistic',-1,false,'b','A',false,',',10029,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statistic[]'),
  (10030,'_pg_statistic_ext',-1,false,'b','A',false,',',10031,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statistic_ext[]'),
  (10032,'_pg_statistic_ext_data',-1,false,'b','A',false,',',10033,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statistic_ext_data[]'),
  (10034,'_pg_rewrite',-1,false,'b','A',false,',',10035,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_rewrite[]'),
  (10036,'_pg_trigger',-1,false,'b','A',false,',',10037,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_trigger[]'),
  (10038,'_pg_event_trigger',-1,false,'b','A',false,',',10039,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_event_trigger[]'),
  (10040,'_pg_description',-1,false,'b','A',false,',',10041,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_description[]'),
  (10042,'_pg_cast',-1,false,'b','A',false,',',10043,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_cast[]'),
  (10044,'_pg_enum',-1,false,'b','A',false,',',10045,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_enum[]'),
  (10046,'_pg_namespace',-1,false,'b','A',false,',',10047,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_namespace[]'),
  (10048,'_pg_conversion',-1,false,'b','A',false,',',10049,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_conversion[]'),
  (10050,'_pg_depend',-1,false,'b','A',false,',',10051,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_depend[]'),
  (10052,'_pg_database',-1,false,'b','A',false,',',1248,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_database[]'),
  (10053,'_pg_db_role_setting',-1,false,'b','A',false,',',10054,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_db_role_setting[]'),
  (10055,'_pg_tablespace',-1,false,'b','A',false,',',10056,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_tablespace[]'),
  (10057,'_pg_authid',-1,false,'b','A',false,',',2842,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_authid[]'),
  (10058,'_pg_auth_members',-1,false,'b','A',false,',',2843,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_auth_members[]'),
  (10059,'_pg_shdepend',-1,false,'b','A',false,',',10060,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_shdepend[]'),
  (10061,'_pg_shdescription',-1,false,'b','A',false,',',10062,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_shdescription[]'),
  (10063,'_pg_ts_config',-1,false,'b','A',false,',',10064,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ts_config[]'),
  (10065,'_pg_ts_config_map',-1,false,'b','A',false,',',10066,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ts_config_map[]'),
  (10067,'_pg_ts_dict',-1,false,'b','A',false,',',10068,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ts_dict[]'),
  (10069,'_pg_ts_parser',-1,false,'b','A',false,',',10070,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ts_parser[]'),
  (10071,'_pg_ts_template',-1,false,'b','A',false,',',10072,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ts_template[]'),
  (10073,'_pg_extension',-1,false,'b','A',false,',',10074,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_extension[]'),
  (10075,'_pg_foreign_data_wrapper',-1,false,'b','A',false,',',10076,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_foreign_data_wrapper[]'),
  (10077,'_pg_foreign_server',-1,false,'b','A',false,',',10078,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_foreign_server[]'),
  (10079,'_pg_user_mapping',-1,false,'b','A',false,',',10080,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_user_mapping[]'),
  (10081,'_pg_foreign_table',-1,false,'b','A',false,',',10082,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_foreign_table[]'),
  (10083,'_pg_policy',-1,false,'b','A',false,',',10084,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_policy[]'),
  (10085,'_pg_replication_origin',-1,false,'b','A',false,',',10086,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_replication_origin[]'),
  (10087,'_pg_default_acl',-1,false,'b','A',false,',',10088,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_default_acl[]'),
  (10089,'_pg_init_privs',-1,false,'b','A',false,',',10090,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_init_privs[]'),
  (10091,'_pg_seclabel',-1,false,'b','A',false,',',10092,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_seclabel[]'),
  (10093,'_pg_shseclabel',-1,false,'b','A',false,',',4066,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_shseclabel[]'),
  (10094,'_pg_collation',-1,false,'b','A',false,',',10095,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_collation[]'),
  (10096,'_pg_parameter_acl',-1,false,'b','A',false,',',10097,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_parameter_acl[]'),
  (10098,'_pg_partitioned_table',-1,false,'b','A',false,',',10099,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_partitioned_table[]'),
  (10100,'_pg_range',-1,false,'b','A',false,',',10101,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_range[]'),
  (10102,'_pg_transform',-1,false,'b','A',false,',',10103,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_transform[]'),
  (10104,'_pg_sequence',-1,false,'b','A',false,',',10105,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_sequence[]'),
  (10106,'_pg_publication',-1,false,'b','A',false,',',10107,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_publication[]'),
  (10108,'_pg_publication_namespace',-1,false,'b','A',false,',',10109,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_publication_namespace[]'),
  (10110,'_pg_publication_rel',-1,false,'b','A',false,',',10111,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_publication_rel[]'),
  (10112,'_pg_subscription',-1,false,'b','A',false,',',6101,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_subscription[]'),
  (10113,'_pg_subscription_rel',-1,false,'b','A',false,',',10114,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_subscription_rel[]'),
  (12001,'_pg_roles',-1,false,'b','A',false,',',12002,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_roles[]'),
  (12006,'_pg_shadow',-1,false,'b','A',false,',',12007,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_shadow[]'),
  (12011,'_pg_group',-1,false,'b','A',false,',',12012,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_group[]'),
  (12015,'_pg_user',-1,false,'b','A',false,',',12016,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_user[]'),
  (12019,'_pg_policies',-1,false,'b','A',false,',',12020,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_policies[]'),
  (12024,'_pg_rules',-1,false,'b','A',false,',',12025,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_rules[]'),
  (12029,'_pg_views',-1,false,'b','A',false,',',12030,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_views[]'),
  (12034,'_pg_tables',-1,false,'b','A',false,',',12035,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_tables[]'),
  (12039,'_pg_matviews',-1,false,'b','A',false,',',12040,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_matviews[]'),
  (12044,'_pg_indexes',-1,false,'b','A',false,',',12045,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_indexes[]'),
  (12049,'_pg_sequences',-1,false,'b','A',false,',',12050,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_sequences[]'),
  (12054,'_pg_stats',-1,false,'b','A',false,',',12055,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stats[]'),
  (12059,'_pg_stats_ext',-1,false,'b','A',false,',',12060,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stats_ext[]'),
  (12064,'_pg_stats_ext_exprs',-1,false,'b','A',false,',',12065,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stats_ext_exprs[]'),
  (12069,'_pg_publication_tables',-1,false,'b','A',false,',',12070,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_publication_tables[]'),
  (12074,'_pg_locks',-1,false,'b','A',false,',',12075,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_locks[]'),
  (12078,'_pg_cursors',-1,false,'b','A',false,',',12079,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_cursors[]'),
  (12082,'_pg_available_extensions',-1,false,'b','A',false,',',12083,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_available_extensions[]'),
  (12086,'_pg_available_extension_versions',-1,false,'b','A',false,',',12087,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_available_extension_versions[]'),
  (12091,'_pg_prepared_xacts',-1,false,'b','A',false,',',12092,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_prepared_xacts[]'),
  (12096,'_pg_prepared_statements',-1,false,'b','A',false,',',12097,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_prepared_statements[]'),
  (12100,'_pg_seclabels',-1,false,'b','A',false,',',12101,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_seclabels[]'),
  (12105,'_pg_settings',-1,false,'b','A',false,',',12106,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_settings[]'),
  (12111,'_pg_file_settings',-1,false,'b','A',false,',',12112,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_file_settings[]'),
  (12115,'_pg_hba_file_rules',-1,false,'b','A',false,',',12116,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_hba_file_rules[]'),
  (12119,'_pg_ident_file_mappings',-1,false,'b','A',false,',',12120,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_ident_file_mappings[]'),
  (12123,'_pg_timezone_abbrevs',-1,false,'b','A',false,',',12124,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_timezone_abbrevs[]'),
  (12127,'_pg_timezone_names',-1,false,'b','A',false,',',12128,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_timezone_names[]'),
  (12131,'_pg_config',-1,false,'b','A',false,',',12132,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_config[]'),
  (12135,'_pg_shmem_allocations',-1,false,'b','A',false,',',12136,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_shmem_allocations[]'),
  (12139,'_pg_backend_memory_contexts',-1,false,'b','A',false,',',12140,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_backend_memory_contexts[]'),
  (12143,'_pg_stat_all_tables',-1,false,'b','A',false,',',12144,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_all_tables[]'),
  (12148,'_pg_stat_xact_all_tables',-1,false,'b','A',false,',',12149,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_xact_all_tables[]'),
  (12153,'_pg_stat_sys_tables',-1,false,'b','A',false,',',12154,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_sys_tables[]'),
  (12158,'_pg_stat_xact_sys_tables',-1,false,'b','A',false,',',12159,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_xact_sys_tables[]'),
  (12162,'_pg_stat_user_tables',-1,false,'b','A',false,',',12163,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_user_tables[]'),
  (12167,'_pg_stat_xact_user_tables',-1,false,'b','A',false,',',12168,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_xact_user_tables[]'),
  (12171,'_pg_statio_all_tables',-1,false,'b','A',false,',',12172,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_all_tables[]'),
  (12176,'_pg_statio_sys_tables',-1,false,'b','A',false,',',12177,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_sys_tables[]'),
  (12180,'_pg_statio_user_tables',-1,false,'b','A',false,',',12181,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_user_tables[]'),
  (12184,'_pg_stat_all_indexes',-1,false,'b','A',false,',',12185,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_all_indexes[]'),
  (12189,'_pg_stat_sys_indexes',-1,false,'b','A',false,',',12190,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_sys_indexes[]'),
  (12193,'_pg_stat_user_indexes',-1,false,'b','A',false,',',12194,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_user_indexes[]'),
  (12197,'_pg_statio_all_indexes',-1,false,'b','A',false,',',12198,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_all_indexes[]'),
  (12202,'_pg_statio_sys_indexes',-1,false,'b','A',false,',',12203,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_sys_indexes[]'),
  (12206,'_pg_statio_user_indexes',-1,false,'b','A',false,',',12207,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_user_indexes[]'),
  (12210,'_pg_statio_all_sequences',-1,false,'b','A',false,',',12211,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_all_sequences[]'),
  (12215,'_pg_statio_sys_sequences',-1,false,'b','A',false,',',12216,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_sys_sequences[]'),
  (12219,'_pg_statio_user_sequences',-1,false,'b','A',false,',',12220,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_statio_user_sequences[]'),
  (12223,'_pg_stat_activity',-1,false,'b','A',false,',',12224,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_activity[]'),
  (12228,'_pg_stat_replication',-1,false,'b','A',false,',',12229,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_replication[]'),
  (12233,'_pg_stat_slru',-1,false,'b','A',false,',',12234,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_slru[]'),
  (12237,'_pg_stat_wal_receiver',-1,false,'b','A',false,',',12238,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_wal_receiver[]'),
  (12241,'_pg_stat_recovery_prefetch',-1,false,'b','A',false,',',12242,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_recovery_prefetch[]'),
  (12245,'_pg_stat_subscription',-1,false,'b','A',false,',',12246,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_subscription[]'),
  (12250,'_pg_stat_ssl',-1,false,'b','A',false,',',12251,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_ssl[]'),
  (12254,'_pg_stat_gssapi',-1,false,'b','A',false,',',12255,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_gssapi[]'),
  (12258,'_pg_replication_slots',-1,false,'b','A',false,',',12259,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_replication_slots[]'),
  (12263,'_pg_stat_replication_slots',-1,false,'b','A',false,',',12264,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_replication_slots[]'),
  (12267,'_pg_stat_database',-1,false,'b','A',false,',',12268,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_database[]'),
  (12272,'_pg_stat_database_conflicts',-1,false,'b','A',false,',',12273,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_database_conflicts[]'),
  (12276,'_pg_stat_user_functions',-1,false,'b','A',false,',',12277,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_user_functions[]'),
  (12281,'_pg_stat_xact_user_functions',-1,false,'b','A',false,',',12282,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_xact_user_functions[]'),
  (12286,'_pg_stat_archiver',-1,false,'b','A',false,',',12287,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_archiver[]'),
  (12290,'_pg_stat_bgwriter',-1,false,'b','A',false,',',12291,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_bgwriter[]'),
  (12294,'_pg_stat_wal',-1,false,'b','A',false,',',12295,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_wal[]'),
  (12298,'_pg_stat_progress_analyze',-1,false,'b','A',false,',',12299,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_analyze[]'),
  (12303,'_pg_stat_progress_vacuum',-1,false,'b','A',false,',',12304,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_vacuum[]'),
  (12308,'_pg_stat_progress_cluster',-1,false,'b','A',false,',',12309,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_cluster[]'),
  (12313,'_pg_stat_progress_create_index',-1,false,'b','A',false,',',12314,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_create_index[]'),
  (12318,'_pg_stat_progress_basebackup',-1,false,'b','A',false,',',12319,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_basebackup[]'),
  (12323,'_pg_stat_progress_copy',-1,false,'b','A',false,',',12324,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_progress_copy[]'),
  (12328,'_pg_user_mappings',-1,false,'b','A',false,',',12329,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_user_mappings[]'),
  (12333,'_pg_replication_origin_status',-1,false,'b','A',false,',',12334,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_replication_origin_status[]'),
  (12337,'_pg_stat_subscription_stats',-1,false,'b','A',false,',',12338,0,'array_in','array_out','array_recv','array_send','d','x',0,'pg_stat_subscription_stats[]')
) t(oid, typname, typlen, typbyval, typtype, typcategory, typispreferred, typdelim, typelem, typarray,
    typinput, typoutput, typreceive, typsend, typalign, typstorage, typcollation, fmt);

CREATE OR REPLACE VIEW __pgcompat.main.pg_type AS
SELECT oid::BIGINT AS oid, typname::VARCHAR AS typname, 11::BIGINT AS typnamespace, 10::BIGINT AS typowner,
       typlen::SMALLINT AS typlen, typbyval, typtype::VARCHAR AS typtype, typcategory::VARCHAR AS typcategory,
       typispreferred, true AS typisdefined, typdelim::VARCHAR AS typdelim, 0::BIGINT AS typrelid,
       '-'::VARCHAR AS typsubscript, typelem::BIGINT AS typelem, typarray::BIGINT AS typarray,
       'pg_catalog.' || typinput AS typinput, 'pg_catalog.' || typoutput AS typoutput,
       'pg_catalog.' || typreceive AS typreceive, 'pg_catalog.' || typsend AS typsend,
       '-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, typalign::VARCHAR AS typalign,
       typstorage::VARCHAR AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype, -1 AS typtypmod,
       0 AS typndims, typcollation::BIGINT AS typcollation, NULL::VARCHAR AS typdefaultbin,
       NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl
FROM pgcat_builtin_types
UNION ALL
SELECT type_oid, type_name, schema_oid, 10, 4::SMALLINT, true, 'e', 'E', false, true, ',', 0, '-', 0, 0,
       'pg_catalog.enum_in', 'pg_catalog.enum_out', 'pg_catalog.enum_recv', 'pg_catalog.enum_send',
       '-', '-', '-', 'i', 'p', false, 0, -1, 0, 0, NULL, NULL, NULL
FROM duckdb_types() WHERE logical_type = 'ENUM' AND NOT internal AND database_name = current_database();

-- DuckDB column type string -> PostgreSQL type oid (pure CASE: usable inside lambdas; ENUMs are resolved
-- by a join in pg_attribute, anything unknown (STRUCT, MAP, UNION...) reports as text = 25)
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_scalar_type_oid(dt) AS
    CASE
      WHEN dt = 'BOOLEAN' THEN 16
      WHEN dt IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
      WHEN dt IN ('INTEGER', 'USMALLINT') THEN 23
      WHEN dt IN ('BIGINT', 'UINTEGER') THEN 20
      WHEN dt IN ('HUGEINT', 'UHUGEINT', 'UBIGINT', 'BIGNUM', 'VARINT') OR dt LIKE 'DECIMAL%' THEN 1700
      WHEN dt = 'FLOAT' THEN 700
      WHEN dt = 'DOUBLE' THEN 701
      WHEN dt = 'VARCHAR' THEN 25
      WHEN dt = 'BLOB' THEN 17
      WHEN dt = 'DATE' THEN 1082
      WHEN dt = 'TIME' THEN 1083
      WHEN dt = 'TIME WITH TIME ZONE' THEN 1266
      WHEN dt IN ('TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS') THEN 1114
      WHEN dt = 'TIMESTAMP WITH TIME ZONE' THEN 1184
      WHEN dt = 'INTERVAL' THEN 1186
      WHEN dt = 'UUID' THEN 2950
      WHEN dt = 'JSON' THEN 114
      WHEN dt = 'BIT' THEN 1560
      ELSE 25
    END;
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_array_oid(elem) AS
    CASE elem WHEN 16 THEN 1000 WHEN 21 THEN 1005 WHEN 23 THEN 1007 WHEN 20 THEN 1016 WHEN 1700 THEN 1231
              WHEN 700 THEN 1021 WHEN 701 THEN 1022 WHEN 1043 THEN 1015 WHEN 17 THEN 1001 WHEN 1082 THEN 1182
              WHEN 1083 THEN 1183 WHEN 1266 THEN 1270 WHEN 1114 THEN 1115 WHEN 1184 THEN 1185 WHEN 1186 THEN 1187
              WHEN 2950 THEN 2951 WHEN 114 THEN 199 WHEN 1560 THEN 1561 ELSE 1009 END;
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_type_oid(dt) AS
    CASE WHEN dt LIKE '%[]' THEN pgcat_array_oid(pgcat_scalar_type_oid(regexp_replace(dt, '(\[[0-9]*\])+$', '')))
         ELSE pgcat_scalar_type_oid(dt) END;
-- PostgreSQL atttypmod for a DuckDB type string: DECIMAL(p,s) -> (p<<16 | s) + 4, else -1
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_typmod(dt) AS
    CASE WHEN dt LIKE 'DECIMAL(%'
         THEN (CAST(regexp_extract(dt, 'DECIMAL\((\d+),(\d+)\)', 1) AS INTEGER) * 65536
               + CAST(regexp_extract(dt, 'DECIMAL\((\d+),(\d+)\)', 2) AS INTEGER) + 4)
         ELSE -1 END;

-- format_type(oid, typmod): PostgreSQL spelling ("integer", "character varying(10)", "numeric(10,2)")
-- (replaces DuckDB's pg_catalog.format_type, which expects DuckDB type oids)
CREATE OR REPLACE MACRO __pgcompat.main.format_type(type_oid, typemod) AS
    CASE
      WHEN type_oid IS NULL THEN NULL
      WHEN typemod IS NULL OR typemod < 0 THEN
           coalesce((SELECT pgcat_b_.fmt FROM pgcat_builtin_types pgcat_b_ WHERE pgcat_b_.oid = type_oid),
                    (SELECT pgcat_t_.typname FROM pg_type pgcat_t_ WHERE pgcat_t_.oid = type_oid), '???')
      WHEN type_oid = 1700 THEN 'numeric(' || ((typemod - 4) // 65536) || ',' || ((typemod - 4) % 65536) || ')'
      WHEN type_oid = 1043 THEN 'character varying(' || (typemod - 4) || ')'
      WHEN type_oid = 1042 THEN 'character(' || (typemod - 4) || ')'
      WHEN type_oid = 1114 THEN 'timestamp(' || typemod || ') without time zone'
      WHEN type_oid = 1184 THEN 'timestamp(' || typemod || ') with time zone'
      WHEN type_oid = 1083 THEN 'time(' || typemod || ') without time zone'
      WHEN type_oid = 1266 THEN 'time(' || typemod || ') with time zone'
      ELSE coalesce((SELECT pgcat_b_.fmt FROM pgcat_builtin_types pgcat_b_ WHERE pgcat_b_.oid = type_oid),
                    (SELECT pgcat_t_.typname FROM pg_type pgcat_t_ WHERE pgcat_t_.oid = type_oid), '???')
    END;

-- ---------------------------------------------------------------- pg_namespace
CREATE OR REPLACE VIEW __pgcompat.main.pg_namespace AS
SELECT oid, schema_name AS nspname, 10::BIGINT AS nspowner, NULL::VARCHAR[] AS nspacl
FROM duckdb_schemas() WHERE database_name = current_database()
UNION ALL SELECT 11, 'pg_catalog', 10, NULL
UNION ALL SELECT oid, 'information_schema', 10, NULL
FROM duckdb_schemas() WHERE database_name = 'system' AND schema_name = 'information_schema';

-- ---------------------------------------------------------------- constraints (shared by several views)
-- DuckDB 1.5.6 leaves constraint_column_names / _indexes NULL, so the column lists are parsed out of
-- constraint_text ("PRIMARY KEY(id)", "UNIQUE(code)", "FOREIGN KEY (p_id) REFERENCES s1.p(id)").
-- NOT NULL constraints are not pg_constraint rows in PostgreSQL 15 and are dropped.
CREATE OR REPLACE VIEW __pgcompat.main.pgcat_constraints AS
WITH c AS (
  SELECT database_name, schema_name, schema_oid, table_name, table_oid, constraint_index, constraint_type,
         constraint_text, expression, constraint_name,
         row_number() OVER (PARTITION BY table_oid ORDER BY constraint_index) AS ord,
         coalesce(constraint_column_names,
                  list_transform(string_split(regexp_extract(constraint_text, '\(([^()]*)\)', 1), ','),
                                 x -> trim(trim(x), '"'))) AS cols,
         CASE WHEN constraint_type = 'FOREIGN KEY' THEN
              list_transform(string_split(regexp_extract(constraint_text, 'REFERENCES [^(]*\(([^()]*)\)', 1), ','),
                             x -> trim(trim(x), '"')) END AS refcols,
         CASE WHEN constraint_type = 'FOREIGN KEY' THEN
              trim(regexp_extract(constraint_text, 'REFERENCES ([^(]*)\(', 1)) END AS reftarget
  FROM duckdb_constraints()
  WHERE constraint_type <> 'NOT NULL' AND database_name = current_database()
)
SELECT c.*,
       1000000000 + c.table_oid * 32 + c.ord AS conoid,
       CASE WHEN c.constraint_type IN ('PRIMARY KEY', 'UNIQUE') THEN 1500000000 + c.table_oid * 32 + c.ord END AS idxoid,
       (SELECT list(col.column_index ORDER BY u.i) FROM (SELECT unnest(c.cols) AS n, generate_subscripts(c.cols, 1) AS i) u
          JOIN duckdb_columns() col ON col.table_oid = c.table_oid AND col.column_name = u.n) AS conkey,
       rt.table_oid AS reftable_oid
FROM c
LEFT JOIN duckdb_tables() rt
       ON c.constraint_type = 'FOREIGN KEY' AND rt.database_name = c.database_name
      AND rt.schema_name = CASE WHEN c.reftarget LIKE '%.%' THEN trim(split_part(c.reftarget, '.', 1), '"') ELSE c.schema_name END
      AND rt.table_name = CASE WHEN c.reftarget LIKE '%.%' THEN trim(split_part(c.reftarget, '.', 2), '"') ELSE trim(c.reftarget, '"') END;

CREATE OR REPLACE VIEW __pgcompat.main.pg_constraint AS
SELECT k.conoid AS oid, k.constraint_name AS conname, k.schema_oid AS connamespace,
       CASE k.constraint_type WHEN 'CHECK' THEN 'c' WHEN 'UNIQUE' THEN 'u' WHEN 'PRIMARY KEY' THEN 'p'
            WHEN 'FOREIGN KEY' THEN 'f' ELSE 'x' END AS contype,
       false AS condeferrable, false AS condeferred, true AS convalidated, k.table_oid AS conrelid,
       0::BIGINT AS contypid,
       coalesce(k.idxoid, (SELECT min(p.idxoid) FROM pgcat_constraints p
                           WHERE p.table_oid = k.reftable_oid AND p.idxoid IS NOT NULL
                             AND list_sort(p.cols) = list_sort(k.refcols)), 0) AS conindid,
       0::BIGINT AS conparentid, coalesce(k.reftable_oid, 0) AS confrelid,
       CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END AS confupdtype,
       CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END AS confdeltype,
       CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 's' ELSE ' ' END AS confmatchtype,
       true AS conislocal, 0 AS coninhcount, false AS connoinherit,
       k.conkey::SMALLINT[] AS conkey,
       CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN
            (SELECT list(col.column_index ORDER BY u.i)::SMALLINT[]
               FROM (SELECT unnest(k.refcols) AS n, generate_subscripts(k.refcols, 1) AS i) u
               JOIN duckdb_columns() col ON col.table_oid = k.reftable_oid AND col.column_name = u.n) END AS confkey,
       NULL::BIGINT[] AS conpfeqop, NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop,
       NULL::BIGINT[] AS conexclop, k.expression AS conbin
FROM pgcat_constraints k;

-- pg_get_constraintdef(oid [, pretty]) -> "PRIMARY KEY (id)", "FOREIGN KEY (p_id) REFERENCES s1.p(id)"
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_constraintdef(constraint_oid) AS
        (SELECT regexp_replace(pgcat_k_.constraint_text, '^(PRIMARY KEY|UNIQUE|CHECK)\(', '\1 (')
           FROM pgcat_constraints pgcat_k_ WHERE pgcat_k_.conoid = constraint_oid),
    (constraint_oid, pretty) AS
        (SELECT regexp_replace(pgcat_k_.constraint_text, '^(PRIMARY KEY|UNIQUE|CHECK)\(', '\1 (')
           FROM pgcat_constraints pgcat_k_ WHERE pgcat_k_.conoid = constraint_oid);

-- ---------------------------------------------------------------- indexes
-- real DuckDB indexes (duckdb_indexes) + one synthetic index per PRIMARY KEY / UNIQUE constraint
CREATE OR REPLACE VIEW __pgcompat.main.pgcat_indexes AS
SELECT i.index_oid AS indexrelid, i.table_oid AS indrelid, i.index_name AS relname, i.schema_oid,
       i.schema_name, i.table_name, i.is_unique, i.is_primary,
       list_transform(CAST(i.expressions AS VARCHAR[]), x -> trim(x, '"')) AS colnames,
       rtrim(i.sql, ';') AS def
FROM duckdb_indexes() i WHERE i.database_name = current_database()
UNION ALL
SELECT k.idxoid, k.table_oid, k.constraint_name, k.schema_oid, k.schema_name, k.table_name, true,
       k.constraint_type = 'PRIMARY KEY', k.cols,
       'CREATE UNIQUE INDEX ' || k.constraint_name || ' ON ' || k.schema_name || '.' || k.table_name
         || ' USING btree (' || array_to_string(k.cols, ', ') || ')'
FROM pgcat_constraints k WHERE k.idxoid IS NOT NULL;

CREATE OR REPLACE VIEW __pgcompat.main.pg_index AS
WITH cols AS (
  SELECT indexrelid, indrelid, unnest(colnames) AS n, generate_subscripts(colnames, 1) AS i FROM pgcat_indexes
), keys AS (
  SELECT k.indexrelid, list(coalesce(col.column_index, 0) ORDER BY k.i)::SMALLINT[] AS indkey
  FROM cols k LEFT JOIN duckdb_columns() col ON col.table_oid = k.indrelid AND col.column_name = k.n
  GROUP BY k.indexrelid
)
SELECT x.indexrelid, x.indrelid, len(x.colnames)::SMALLINT AS indnatts, len(x.colnames)::SMALLINT AS indnkeyatts,
       x.is_unique AS indisunique, false AS indnullsnotdistinct, x.is_primary AS indisprimary,
       false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid,
       false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident,
       keys.indkey,
       list_transform(x.colnames, c -> 0::BIGINT) AS indcollation,
       list_transform(x.colnames, c -> 10000::BIGINT) AS indclass,
       list_transform(x.colnames, c -> 0::SMALLINT) AS indoption,
       NULL::VARCHAR AS indexprs, NULL::VARCHAR AS indpred
FROM pgcat_indexes x LEFT JOIN keys USING (indexrelid);

-- pg_get_indexdef(index_oid [, column_no, pretty]): column_no = 0 -> CREATE INDEX text, k > 0 -> k-th column
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_indexdef(index_oid) AS
        (SELECT pgcat_x_.def FROM pgcat_indexes pgcat_x_ WHERE pgcat_x_.indexrelid = index_oid),
    (index_oid, colno, pretty) AS
        (SELECT CASE WHEN colno = 0 THEN pgcat_x_.def ELSE pgcat_x_.colnames[colno] END
           FROM pgcat_indexes pgcat_x_ WHERE pgcat_x_.indexrelid = index_oid);

CREATE OR REPLACE VIEW __pgcompat.main.pg_am AS
SELECT * FROM (VALUES (2::BIGINT, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i'),
                      (405, 'hash', 'hashhandler', 'i')) t(oid, amname, amhandler, amtype);
CREATE OR REPLACE VIEW __pgcompat.main.pg_opclass AS
SELECT 10000::BIGINT AS oid, 403::BIGINT AS opcmethod, 'default_ops' AS opcname, 11::BIGINT AS opcnamespace,
       10::BIGINT AS opcowner, 0::BIGINT AS opcfamily, 0::BIGINT AS opcintype, true AS opcdefault, 0::BIGINT AS opckeytype;

-- ---------------------------------------------------------------- pg_class
CREATE OR REPLACE VIEW __pgcompat.main.pg_class AS
WITH rel AS (
  SELECT t.table_oid AS oid, t.table_name AS relname, t.schema_oid AS relnamespace, 'r' AS relkind,
         t.column_count AS relnatts, t.check_constraint_count AS relchecks, t.estimated_size AS reltuples,
         (t.index_count > 0 OR t.has_primary_key) AS relhasindex,
         EXISTS (SELECT 1 FROM pgcat_constraints k WHERE k.constraint_type = 'FOREIGN KEY'
                 AND (k.table_oid = t.table_oid OR k.reftable_oid = t.table_oid)) AS relhastriggers,
         t.temporary, 2 AS relam
  FROM duckdb_tables() t WHERE t.database_name = current_database()
  UNION ALL
  -- managed tables are views over the lake's placeholders in DuckDB; to clients they are tables
  SELECT v.view_oid, v.view_name, pgcat_nsp_oid(v.database_name, v.schema_name, v.schema_oid),
         CASE WHEN contains(v.sql, ' FROM __lake_') THEN 'r' ELSE 'v' END, v.column_count,
         0, 0, false, false, v.temporary, 0
  FROM duckdb_views() v
  WHERE v.database_name = current_database()
     OR (v.database_name = 'system' AND v.schema_name IN ('pg_catalog', 'information_schema'))
  UNION ALL
  SELECT s.sequence_oid, s.sequence_name, s.schema_oid, 'S', 0, 0, 0, false, false, s.temporary, 0
  FROM duckdb_sequences() s WHERE s.database_name = current_database()
  UNION ALL
  SELECT x.indexrelid, x.relname, x.schema_oid, 'i', len(x.colnames), 0, 0, false, false, false, 403
  FROM pgcat_indexes x
)
SELECT oid, relname, relnamespace, 0::BIGINT AS reltype, 0::BIGINT AS reloftype, 10::BIGINT AS relowner,
       relam::BIGINT AS relam, oid AS relfilenode, 0::BIGINT AS reltablespace, 0 AS relpages,
       reltuples::REAL AS reltuples, 0 AS relallvisible, 0::BIGINT AS reltoastrelid, relhasindex,
       false AS relisshared, CASE WHEN temporary THEN 't' ELSE 'p' END AS relpersistence, relkind,
       relnatts::SMALLINT AS relnatts, relchecks::SMALLINT AS relchecks, false AS relhasrules, relhastriggers,
       false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
       'd' AS relreplident, false AS relispartition, 0::BIGINT AS relrewrite, 0 AS relfrozenxid, 0 AS relminmxid,
       NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound
FROM rel;

-- ---------------------------------------------------------------- pg_attribute / pg_attrdef
CREATE OR REPLACE VIEW __pgcompat.main.pg_attribute AS
WITH c AS (
  SELECT c.*, coalesce(e.type_oid, pgcat_type_oid(c.data_type))::BIGINT AS typoid,
         coalesce(nn.not_null, false) AS managed_not_null, coalesce(c.column_default, nn.column_default) AS col_default
  FROM duckdb_columns() c
  LEFT JOIN (SELECT type_name, max(type_oid) AS type_oid FROM duckdb_types()
             WHERE logical_type = 'ENUM' AND NOT internal GROUP BY type_name) e ON e.type_name = c.data_type
  -- managed tables are views, whose columns DuckDB holds nullable and without defaults: the worker
  -- knows their NOT NULL and defaults
  LEFT JOIN lakehouse_managed_columns() nn ON nn.database_name = c.database_name
       AND nn.schema_name = c.schema_name AND nn.table_name = c.table_name AND nn.column_name = c.column_name
  WHERE c.database_name = current_database()
     OR (c.database_name = 'system' AND c.schema_name IN ('pg_catalog', 'information_schema'))
)
SELECT c.table_oid AS attrelid, c.column_name AS attname, c.typoid AS atttypid, -1 AS attstattarget,
       coalesce(b.typlen, 4)::SMALLINT AS attlen, c.column_index::SMALLINT AS attnum,
       (CASE WHEN c.data_type LIKE '%[]' THEN 1 ELSE 0 END) AS attndims, -1 AS attcacheoff,
       pgcat_typmod(c.data_type) AS atttypmod, coalesce(b.typbyval, false) AS attbyval,
       coalesce(b.typstorage, 'p') AS attstorage, coalesce(b.typalign, 'i') AS attalign,
       NOT c.is_nullable OR c.managed_not_null AS attnotnull, c.col_default IS NOT NULL AS atthasdef,
       false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal,
       0 AS attinhcount, coalesce(b.typcollation, 0)::BIGINT AS attcollation,
       '' AS attcompression, NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions,
       NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval
FROM c LEFT JOIN pgcat_builtin_types b ON b.oid = c.typoid;

CREATE OR REPLACE VIEW __pgcompat.main.pg_attrdef AS
SELECT (c.table_oid * 1000 + c.column_index)::BIGINT AS oid, c.table_oid AS adrelid, c.column_index::SMALLINT AS adnum,
       coalesce(c.column_default, nn.column_default) AS adbin
FROM duckdb_columns() c
LEFT JOIN lakehouse_managed_columns() nn ON nn.database_name = c.database_name
     AND nn.schema_name = c.schema_name AND nn.table_name = c.table_name AND nn.column_name = c.column_name
WHERE coalesce(c.column_default, nn.column_default) IS NOT NULL AND c.database_name = current_database();

-- x = ANY(arr) as PostgreSQL means it, without the subquery DuckDB plans for ANY over a list
-- (which a LEFT JOIN condition cannot hold); pg_rewrite.c puts it where two columns are compared
CREATE OR REPLACE MACRO __pgcompat.main.pgcat_any_eq(x, arr) AS
    CASE WHEN arr IS NULL THEN NULL WHEN len(arr) = 0 THEN false WHEN x IS NULL THEN NULL
         WHEN list_contains(arr, x) THEN true WHEN list_count(arr) < len(arr) THEN NULL ELSE false END;

-- pg_get_expr(expr_text, relid [, pretty]): DuckDB stores expressions as SQL text already
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_expr(pg_node_tree, relation_oid) AS pg_node_tree,
    (pg_node_tree, relation_oid, pretty) AS pg_node_tree;

-- pg_get_viewdef(oid [, pretty]): PostgreSQL returns only the SELECT, DuckDB's macro the whole CREATE VIEW
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_viewdef(v_oid) AS
        (SELECT regexp_replace(rtrim(pgcat_v_.sql, ';'), '^CREATE (OR REPLACE )?(TEMP |TEMPORARY )?VIEW .*? AS ', '')
           FROM duckdb_views() pgcat_v_ WHERE pgcat_v_.view_oid = v_oid),
    (v_oid, pretty) AS
        (SELECT regexp_replace(rtrim(pgcat_v_.sql, ';'), '^CREATE (OR REPLACE )?(TEMP |TEMPORARY )?VIEW .*? AS ', '')
           FROM duckdb_views() pgcat_v_ WHERE pgcat_v_.view_oid = view_oid);

-- ---------------------------------------------------------------- pg_description (comments)
-- classoid uses PostgreSQL's fixed catalog oids so that  d.classoid = 'pg_class'::regclass  works
CREATE OR REPLACE VIEW __pgcompat.main.pg_description AS
SELECT table_oid AS objoid, 1259::BIGINT AS classoid, 0 AS objsubid, comment AS description
  FROM duckdb_tables() WHERE comment IS NOT NULL AND database_name = current_database()
UNION ALL SELECT view_oid, 1259, 0, comment FROM duckdb_views() WHERE comment IS NOT NULL AND NOT internal
UNION ALL SELECT table_oid, 1259, column_index, comment FROM duckdb_columns()
  WHERE comment IS NOT NULL AND database_name = current_database()
UNION ALL SELECT index_oid, 1259, 0, comment FROM duckdb_indexes() WHERE comment IS NOT NULL
UNION ALL SELECT sequence_oid, 1259, 0, comment FROM duckdb_sequences() WHERE comment IS NOT NULL
UNION ALL SELECT oid, 2615, 0, comment FROM duckdb_schemas() WHERE comment IS NOT NULL AND NOT internal
UNION ALL SELECT function_oid, 1255, 0, comment FROM duckdb_functions() WHERE comment IS NOT NULL AND NOT internal;
CREATE OR REPLACE MACRO __pgcompat.main.obj_description(object_oid) AS
        (SELECT first(pgcat_d_.description) FROM pg_description pgcat_d_ WHERE pgcat_d_.objoid = object_oid AND pgcat_d_.objsubid = 0),
    (object_oid, catalog_name) AS
        (SELECT first(pgcat_d_.description) FROM pg_description pgcat_d_ WHERE pgcat_d_.objoid = object_oid AND pgcat_d_.objsubid = 0);
CREATE OR REPLACE MACRO __pgcompat.main.col_description(p_table, p_column) AS
        (SELECT first(pgcat_d_.description) FROM pg_description pgcat_d_ WHERE pgcat_d_.objoid = p_table AND pgcat_d_.objsubid = p_column);

-- ---------------------------------------------------------------- pg_proc
-- DuckDB's own pg_proc has prorettype/proargtypes as type *names*; here they are PG type oids.
CREATE OR REPLACE VIEW __pgcompat.main.pg_proc AS
SELECT f.function_oid AS oid, f.function_name AS proname,
       pgcat_nsp_oid(f.database_name, f.schema_name, s.oid) AS pronamespace, 10::BIGINT AS proowner,
       CASE WHEN f.function_type LIKE '%macro%' THEN 14 ELSE 12 END::BIGINT AS prolang, 1 AS procost, 0 AS prorows,
       0::BIGINT AS provariadic, '-' AS prosupport,
       CASE f.function_type WHEN 'aggregate' THEN 'a' WHEN 'pragma' THEN 'p' ELSE 'f' END AS prokind,
       false AS prosecdef, false AS proleakproof, false AS proisstrict,
       f.function_type IN ('table', 'table_macro') AS proretset,
       CASE f.stability WHEN 'CONSISTENT' THEN 'i' WHEN 'CONSISTENT_WITHIN_QUERY' THEN 's' ELSE 'v' END AS provolatile,
       'u' AS proparallel, len(f.parameters)::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults,
       CASE WHEN f.return_type IS NULL THEN 2283 ELSE pgcat_type_oid(f.return_type) END::BIGINT AS prorettype,
       list_transform(f.parameter_types, x -> CASE WHEN x IS NULL OR x = 'ANY' THEN 2283 ELSE pgcat_type_oid(x) END)::BIGINT[] AS proargtypes,
       NULL::BIGINT[] AS proallargtypes, NULL::VARCHAR[] AS proargmodes, f.parameters AS proargnames,
       NULL::VARCHAR AS proargdefaults, NULL::BIGINT[] AS protrftypes, f.macro_definition AS prosrc,
       NULL::VARCHAR AS probin, NULL::VARCHAR AS prosqlbody, NULL::VARCHAR[] AS proconfig, NULL::VARCHAR[] AS proacl
FROM duckdb_functions() f LEFT JOIN duckdb_schemas() s USING (database_name, schema_name)
WHERE f.database_name IN (current_database(), 'system');
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_function_result(func_oid) AS
    (SELECT CASE WHEN pgcat_p_.proretset THEN 'SETOF ' ELSE '' END || format_type(pgcat_p_.prorettype, NULL)
       FROM pg_proc pgcat_p_ WHERE pgcat_p_.oid = func_oid LIMIT 1);
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_function_arguments(func_oid) AS
    (SELECT coalesce(string_agg(coalesce(n, '') || ' ' || format_type(ty, NULL), ', ' ORDER BY i), '')
       FROM (SELECT unnest(pgcat_p_.proargnames) AS n, unnest(pgcat_p_.proargtypes) AS ty,
                    generate_subscripts(pgcat_p_.proargtypes, 1) AS i
               FROM pg_proc pgcat_p_ WHERE pgcat_p_.oid = func_oid));
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_function_identity_arguments(func_oid) AS pg_get_function_arguments(func_oid);

-- ---------------------------------------------------------------- pg_database / roles / settings
CREATE OR REPLACE VIEW __pgcompat.main.pg_database AS
SELECT database_oid AS oid, database_name AS datname, 10::BIGINT AS datdba, 6 AS encoding, 'c' AS datlocprovider,
       false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, 0 AS datfrozenxid, 0 AS datminmxid,
       0::BIGINT AS dattablespace, 'C.UTF-8' AS datcollate, 'C.UTF-8' AS datctype, NULL::VARCHAR AS daticulocale,
       NULL::VARCHAR AS datcollversion, NULL::VARCHAR[] AS datacl
FROM duckdb_databases() WHERE NOT internal AND database_name <> '__pgcompat';

CREATE OR REPLACE VIEW __pgcompat.main.pg_roles AS
SELECT pgcat_user() AS rolname, true AS rolsuper, true AS rolinherit, true AS rolcreaterole, true AS rolcreatedb,
       true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, '********' AS rolpassword,
       NULL::TIMESTAMPTZ AS rolvaliduntil, true AS rolbypassrls, NULL::VARCHAR[] AS rolconfig, 10::BIGINT AS oid;
CREATE OR REPLACE VIEW __pgcompat.main.pg_user AS
SELECT rolname AS usename, oid AS usesysid, rolcreatedb AS usecreatedb, rolsuper AS usesuper,
       rolreplication AS userepl, rolbypassrls AS usebypassrls, rolpassword AS passwd,
       rolvaliduntil AS valuntil, rolconfig AS useconfig FROM pg_roles;
CREATE OR REPLACE VIEW __pgcompat.main.pg_auth_members AS
SELECT NULL::BIGINT AS roleid, NULL::BIGINT AS member, NULL::BIGINT AS grantor, NULL::BOOLEAN AS admin_option WHERE false;
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_userbyid(role_oid) AS pgcat_user();
CREATE OR REPLACE MACRO __pgcompat.main.pg_encoding_to_char(enc) AS 'UTF8';

-- pg_settings: DuckDB settings + the PostgreSQL ones clients look for
CREATE OR REPLACE VIEW __pgcompat.main.pg_settings AS
SELECT name, value AS setting, NULL::VARCHAR AS unit, 'DuckDB' AS category, description AS short_desc,
       NULL::VARCHAR AS extra_desc, 'user' AS context,
       CASE WHEN input_type = 'VARCHAR' THEN 'string' WHEN input_type = 'BOOLEAN' THEN 'bool'
            WHEN input_type IN ('BIGINT', 'UBIGINT') THEN 'integer' ELSE lower(input_type) END AS vartype,
       'default' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val, NULL::VARCHAR[] AS enumvals,
       value AS boot_val, value AS reset_val, NULL::VARCHAR AS sourcefile, NULL::INTEGER AS sourceline,
       false AS pending_restart
FROM duckdb_settings()
UNION ALL
SELECT name, setting, NULL, 'PostgreSQL compatibility', name, NULL, 'internal', 'string', 'default',
       NULL, NULL, NULL, setting, setting, NULL, NULL, false
FROM (VALUES ('server_version', coalesce(getvariable('pgcat_server_version'), '15.0')),
             ('server_version_num', '150000'), ('server_encoding', 'UTF8'), ('client_encoding', 'UTF8'),
             ('standard_conforming_strings', 'on'), ('integer_datetimes', 'on'), ('DateStyle', 'ISO, MDY'),
             ('IntervalStyle', 'postgres'), ('max_index_keys', '32'), ('max_identifier_length', '63'),
             ('transaction_isolation', 'read committed'), ('default_transaction_isolation', 'read committed'),
             ('search_path', '"$user", public'), ('bytea_output', 'hex'), ('lc_collate', 'C.UTF-8'),
             ('lc_ctype', 'C.UTF-8'), ('is_superuser', 'on'), ('application_name', ''),
             ('extra_float_digits', '1')) t(name, setting)
WHERE lower(name) NOT IN (SELECT lower(name) FROM duckdb_settings());

-- ---------------------------------------------------------------- catalogs DuckDB lacks (always empty)
CREATE OR REPLACE VIEW __pgcompat.main.pg_inherits AS
SELECT NULL::BIGINT AS inhrelid, NULL::BIGINT AS inhparent, NULL::INTEGER AS inhseqno, NULL::BOOLEAN AS inhdetachpending WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_policy AS
SELECT NULL::BIGINT AS oid, NULL::VARCHAR AS polname, NULL::BIGINT AS polrelid, NULL::VARCHAR AS polcmd,
       NULL::BOOLEAN AS polpermissive, NULL::BIGINT[] AS polroles, NULL::VARCHAR AS polqual,
       NULL::VARCHAR AS polwithcheck WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_trigger AS
SELECT NULL::BIGINT AS oid, NULL::BIGINT AS tgrelid, NULL::BIGINT AS tgparentid, NULL::VARCHAR AS tgname,
       NULL::BIGINT AS tgfoid, NULL::SMALLINT AS tgtype, NULL::VARCHAR AS tgenabled, NULL::BOOLEAN AS tgisinternal,
       NULL::BIGINT AS tgconstrrelid, NULL::BIGINT AS tgconstrindid, NULL::BIGINT AS tgconstraint,
       NULL::BOOLEAN AS tgdeferrable, NULL::BOOLEAN AS tginitdeferred, NULL::SMALLINT AS tgnargs,
       NULL::SMALLINT[] AS tgattr, NULL::BLOB AS tgargs, NULL::VARCHAR AS tgqual WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_statistic_ext AS
SELECT NULL::BIGINT AS oid, NULL::BIGINT AS stxrelid, NULL::VARCHAR AS stxname, NULL::BIGINT AS stxnamespace,
       NULL::BIGINT AS stxowner, NULL::INTEGER AS stxstattarget, NULL::SMALLINT[] AS stxkeys,
       NULL::VARCHAR[] AS stxkind, NULL::VARCHAR AS stxexprs WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_publication AS
SELECT NULL::BIGINT AS oid, NULL::VARCHAR AS pubname, NULL::BIGINT AS pubowner, NULL::BOOLEAN AS puballtables,
       NULL::BOOLEAN AS pubinsert, NULL::BOOLEAN AS pubupdate, NULL::BOOLEAN AS pubdelete,
       NULL::BOOLEAN AS pubtruncate, NULL::BOOLEAN AS pubviaroot WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_publication_namespace AS
SELECT NULL::BIGINT AS oid, NULL::BIGINT AS pnpubid, NULL::BIGINT AS pnnspid WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_publication_rel AS
SELECT NULL::BIGINT AS oid, NULL::BIGINT AS prpubid, NULL::BIGINT AS prrelid, NULL::VARCHAR AS prqual,
       -- psql reads prattrs[s] for s in generate_series(…): DuckDB hands s over as a one-field
       -- struct, which a map keyed by that struct looks up (the table is always empty here)
       NULL::MAP(STRUCT(generate_series BIGINT), SMALLINT) AS prattrs WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_extension AS
SELECT NULL::BIGINT AS oid, NULL::VARCHAR AS extname, NULL::BIGINT AS extowner, NULL::BIGINT AS extnamespace,
       NULL::BOOLEAN AS extrelocatable, NULL::VARCHAR AS extversion WHERE false;
CREATE OR REPLACE VIEW __pgcompat.main.pg_stat_user_tables AS
SELECT table_oid AS relid, schema_name AS schemaname, table_name AS relname, estimated_size AS n_live_tup,
       0 AS n_dead_tup, 0 AS seq_scan, 0 AS idx_scan
FROM duckdb_tables() WHERE database_name = current_database();
-- (pg_collation, pg_tablespace, pg_enum, pg_sequence, pg_depend: DuckDB's own views are kept)

-- ---------------------------------------------------------------- functions DuckDB lacks
CREATE OR REPLACE MACRO __pgcompat.main.array_upper(arr, dim) AS CASE WHEN len(arr) > 0 AND dim = 1 THEN len(arr) END;
CREATE OR REPLACE MACRO __pgcompat.main.array_lower(arr, dim) AS CASE WHEN len(arr) > 0 AND dim = 1 THEN 1 END;
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_serial_sequence(tab, col) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_partkeydef(rel) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_triggerdef(trig) AS NULL::VARCHAR, (trig, pretty) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_statisticsobjdef_columns(stat) AS NULL::VARCHAR;
CREATE OR REPLACE MACRO __pgcompat.main.pg_relation_is_publishable(rel) AS false;
CREATE OR REPLACE MACRO __pgcompat.main.pg_stat_get_numscans(rel) AS 0::BIGINT;
CREATE OR REPLACE MACRO __pgcompat.main.pg_relation_size(rel) AS 0::BIGINT, (rel, fork) AS 0::BIGINT;
CREATE OR REPLACE MACRO __pgcompat.main.pg_total_relation_size(rel) AS 0::BIGINT;
CREATE OR REPLACE MACRO __pgcompat.main.pg_table_size(rel) AS 0::BIGINT;
CREATE OR REPLACE MACRO __pgcompat.main.pg_indexes_size(rel) AS 0::BIGINT;
CREATE OR REPLACE MACRO __pgcompat.main.pg_database_size(db) AS 0::BIGINT;
-- scalar set-returning form, as used in  confrelid IN (SELECT pg_partition_ancestors(x) ...): no rows
CREATE OR REPLACE MACRO __pgcompat.main.pg_partition_ancestors(rel) AS unnest([]::BIGINT[]);
-- ... and the FROM-clause form  pg_partition_ancestors(x) WITH ORDINALITY AS a(relid, depth)  (same name is
-- allowed; DuckDB ignores WITH ORDINALITY on table macros, hence the explicit depth column)
CREATE OR REPLACE MACRO __pgcompat.main.pg_partition_ancestors(rel) AS TABLE SELECT NULL::BIGINT AS relid, NULL::BIGINT AS depth WHERE false;
-- json_build_object(k1, v1, ...) up to 8 pairs (SQLAlchemy uses 7)
CREATE OR REPLACE MACRO __pgcompat.main.json_build_object(k1, v1) AS json_object(k1::VARCHAR, v1),
    (k1, v1, k2, v2) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2),
    (k1, v1, k2, v2, k3, v3) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3),
    (k1, v1, k2, v2, k3, v3, k4, v4) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3, k4::VARCHAR, v4),
    (k1, v1, k2, v2, k3, v3, k4, v4, k5, v5) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3, k4::VARCHAR, v4, k5::VARCHAR, v5),
    (k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3, k4::VARCHAR, v4, k5::VARCHAR, v5, k6::VARCHAR, v6),
    (k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3, k4::VARCHAR, v4, k5::VARCHAR, v5, k6::VARCHAR, v6, k7::VARCHAR, v7),
    (k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7, k8, v8) AS json_object(k1::VARCHAR, v1, k2::VARCHAR, v2, k3::VARCHAR, v3, k4::VARCHAR, v4, k5::VARCHAR, v5, k6::VARCHAR, v6, k7::VARCHAR, v7, k8::VARCHAR, v8);
-- pg_get_keywords(): PostgreSQL shape over duckdb_keywords()
CREATE OR REPLACE MACRO __pgcompat.main.pg_get_keywords() AS TABLE
SELECT keyword_name AS word,
       CASE keyword_category WHEN 'unreserved' THEN 'U' WHEN 'column_name' THEN 'C'
            WHEN 'type_function' THEN 'T' ELSE 'R' END AS catcode,
       true AS barelabel, keyword_category AS catdesc, 'can be bare label' AS baredesc
FROM duckdb_keywords();
-- "x OPERATOR(pg_catalog.~) y": DuckDB's transformer turns OPERATOR(a.op) into a call of a function named
-- after the FIRST name part, i.e. pg_catalog(x, y). psql only ever emits OPERATOR(pg_catalog.~) (regex
-- match) in the captured meta-commands, so pg_catalog(x, y) is defined as PostgreSQL's partial-match "~".
-- (Any other OPERATOR(pg_catalog.<op>) would silently become a regex match too.)
CREATE OR REPLACE MACRO __pgcompat.main.pg_catalog(a, b) AS regexp_matches(a, b);

-- ---------------------------------------------------------------- types and helpers clients name
-- reg* pseudo types (regclass itself is registered with a cast from text, pg/pg_compat.c)
CREATE OR REPLACE TYPE __pgcompat.main.regtype AS BIGINT;
CREATE OR REPLACE TYPE __pgcompat.main.regnamespace AS BIGINT;
CREATE OR REPLACE TYPE __pgcompat.main.regrole AS BIGINT;
-- regproc compares with pg_type.typinput, which holds 'pg_catalog.<name>' text
CREATE OR REPLACE TYPE __pgcompat.main.regproc AS VARCHAR;
CREATE OR REPLACE TYPE __pgcompat.main.regprocedure AS VARCHAR;
-- information_schema._pg_expandarray(arr): the set of (x, n) pgJDBC reads index keys with
CREATE OR REPLACE MACRO __pgcompat.main._pg_expandarray(arr) AS
    unnest(list_transform(generate_series(1, len(arr)), i -> {'x': arr[i], 'n': i}));
-- Per-connection shadows of DuckDB *builtins* for UNQUALIFIED calls (temp.main is searched first).
-- In mode S the pg_catalog.-qualified forms come from the sys section; these cover version(), current_schemas().
CREATE OR REPLACE MACRO __pgcompat.main.version() AS
    (SELECT 'PostgreSQL ' || coalesce(getvariable('pgcat_server_version'), '15.0') || ' (DuckDB ' || library_version
    || ') on x86_64-pc-linux-gnu, compiled by gcc, 64-bit' FROM pragma_version());
CREATE OR REPLACE MACRO __pgcompat.main.current_schemas(include_implicit) AS
    CASE WHEN include_implicit THEN ['pg_catalog', current_schema()] ELSE [current_schema()] END;

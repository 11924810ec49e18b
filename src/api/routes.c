/* routes.c -- the route table: every endpoint of every dialect. */
#include "api/api.h"
#include "core/events.h"
#include "api/console.h"

#include <string.h>

#define ACC "/v1/Account/{auth_id}"
#define BYOC "/v1/phone-numbers"

/* Each route's tag is its dialect (API_KEPT added: its answers may be
 * kept, and its version is read ahead where that is a query): the shape
 * of its errors, whether its body may be a form, how api_delete
 * authenticates.  (A path no route matches takes the dialect of its
 * prefix: errors.c.) */

/* Outside any dialect and unauthenticated: what tools fetch before they
 * have credentials.  Tagged with the default shape, Plivo's, as a path no
 * route matches is (its only error is an unknown query parameter; the ops
 * routes below have none of their own). */
static const route_t k_meta[] = {
    {HTTP_GET, "/openapi.json", h_openapi, NULL, "meta.openapi", DIALECT_PLIVO},
    /* The web console (console.c): its files, and index.html for its pages,
     * which are one or two segments deep (/console/admin/accounts).  It
     * signs in with the public APIs like any other client. */
    {HTTP_GET, "/console/", h_console, NULL, "console.index", DIALECT_PLIVO},
    {HTTP_GET, "/console/{p1}", h_console, NULL, "console.file", DIALECT_PLIVO},
    {HTTP_GET, "/console/{p1}/{p2}", h_console, NULL, "console.file2", DIALECT_PLIVO},
};

static const route_t k_public[] = {
    /* the account itself (the SDKs' credentials check); POST, the SDKs'
     * account update, answers 405: the operator owns the account's data */
    {HTTP_GET, ACC "/", h_account_get, NULL, "plivo.account.get", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Pricing/", h_pricing_get, NULL, "plivo.pricing.get", DIALECT_PLIVO},
    /* literal segments beat {number}: PhoneNumber/Compliance/ is never a
     * number, and its other methods answer 405 (Allow: GET), not 415 */
    {HTTP_GET, ACC "/PhoneNumber/Compliance/", h_compliance_list, NULL, "plivo.compliance.list", DIALECT_PLIVO},
    {HTTP_GET, ACC "/PhoneNumber/Compliance/Requirements/", h_compliance_requirements, NULL,
     "plivo.compliance.requirements", DIALECT_PLIVO},
    {HTTP_POST, ACC "/PhoneNumber/Compliance/Link/", h_compliance_link, NULL, "plivo.compliance.link",
     DIALECT_PLIVO},
    {HTTP_GET, ACC "/PhoneNumber/Compliance/{compliance_id}/", h_compliance_get, NULL, "plivo.compliance.get",
     DIALECT_PLIVO},
    {HTTP_GET, ACC "/PhoneNumber/", h_phonenumber_search, NULL, "plivo.phonenumber.search", DIALECT_PLIVO | API_KEPT},
    {HTTP_POST, ACC "/PhoneNumber/{number}/", h_phonenumber_buy, NULL, "plivo.phonenumber.buy", DIALECT_PLIVO},
    {HTTP_POST, ACC "/Number/", h_number_add, NULL, "plivo.number.add", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Number/", h_number_list, NULL, "plivo.number.list", DIALECT_PLIVO | API_KEPT},
    {HTTP_GET, ACC "/Number/{number}/", h_number_get, NULL, "plivo.number.get", DIALECT_PLIVO | API_KEPT},
    {HTTP_POST, ACC "/Number/{number}/", h_number_update, NULL, "plivo.number.update", DIALECT_PLIVO},
    {HTTP_DELETE, ACC "/Number/{number}/", h_number_unrent, NULL, "plivo.number.unrent", DIALECT_PLIVO},
    {HTTP_POST, ACC "/IncomingCarrier/", h_carrier_create, NULL, "plivo.carrier.create", DIALECT_PLIVO},
    {HTTP_GET, ACC "/IncomingCarrier/", h_carrier_list, NULL, "plivo.carrier.list", DIALECT_PLIVO},
    {HTTP_GET, ACC "/IncomingCarrier/{carrier_id}/", h_carrier_get, NULL, "plivo.carrier.get", DIALECT_PLIVO | API_KEPT},
    {HTTP_POST, ACC "/IncomingCarrier/{carrier_id}/", h_carrier_update, NULL, "plivo.carrier.update", DIALECT_PLIVO},
    {HTTP_DELETE, ACC "/IncomingCarrier/{carrier_id}/", h_carrier_delete, NULL, "plivo.carrier.delete", DIALECT_PLIVO},
    {HTTP_POST, ACC "/Subaccount/", h_subaccount_create, NULL, "plivo.subaccount.create", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Subaccount/", h_subaccount_list, NULL, "plivo.subaccount.list", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Subaccount/{sub_id}/", h_subaccount_get, NULL, "plivo.subaccount.get", DIALECT_PLIVO},
    {HTTP_POST, ACC "/Subaccount/{sub_id}/", h_subaccount_update, NULL, "plivo.subaccount.update", DIALECT_PLIVO},
    {HTTP_DELETE, ACC "/Subaccount/{sub_id}/", h_subaccount_delete, NULL, "plivo.subaccount.delete", DIALECT_PLIVO},
    {HTTP_POST, ACC "/Application/", h_application_create, NULL, "plivo.application.create", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Application/", h_application_list, NULL, "plivo.application.list", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Application/{app_id}/", h_application_get, NULL, "plivo.application.get", DIALECT_PLIVO},
    {HTTP_POST, ACC "/Application/{app_id}/", h_application_update, NULL, "plivo.application.update", DIALECT_PLIVO},
    {HTTP_DELETE, ACC "/Application/{app_id}/", h_application_delete, NULL, "plivo.application.delete", DIALECT_PLIVO},
    {HTTP_GET, ACC "/Event/", h_event_list, NULL, "plivo.event.list", DIALECT_PLIVO},
    {HTTP_POST, BYOC "/carriers", h_byoc_carrier_create, NULL, "byoc.carriers.create", DIALECT_BYOC},
    {HTTP_GET, BYOC "/carriers", h_byoc_carrier_list, NULL, "byoc.carriers.list", DIALECT_BYOC},
    {HTTP_GET, BYOC "/carriers/{id}", h_byoc_carrier_get, NULL, "byoc.carriers.get", DIALECT_BYOC},
    {HTTP_PATCH, BYOC "/carriers/{id}", h_byoc_carrier_update, NULL, "byoc.carriers.update", DIALECT_BYOC},
    {HTTP_DELETE, BYOC "/carriers/{id}", h_byoc_carrier_delete, NULL, "byoc.carriers.delete", DIALECT_BYOC},
    {HTTP_PUT, BYOC "/carriers/{id}/health_check", h_byoc_health_put, NULL, "byoc.carriers.health.put",
     DIALECT_BYOC},
    {HTTP_DELETE, BYOC "/carriers/{id}/health_check", h_byoc_health_delete, NULL,
     "byoc.carriers.health.delete", DIALECT_BYOC},
    {HTTP_GET, BYOC "/api-keys", h_byoc_apikey_list, NULL, "byoc.apikeys.list", DIALECT_BYOC},
    {HTTP_GET, BYOC "/events", h_byoc_event_list, NULL, "byoc.events.list", DIALECT_BYOC},
    {HTTP_POST, BYOC "/api-keys", h_byoc_apikey_create, NULL, "byoc.apikeys.create", DIALECT_BYOC},
    {HTTP_DELETE, BYOC "/api-keys/{id}", h_byoc_apikey_revoke, NULL, "byoc.apikeys.revoke", DIALECT_BYOC},
    {HTTP_POST, BYOC "/webhooks", h_webhook_create, NULL, "byoc.webhooks.create", DIALECT_BYOC},
    {HTTP_GET, BYOC "/webhooks", h_webhook_list, NULL, "byoc.webhooks.list", DIALECT_BYOC},
    {HTTP_GET, BYOC "/webhooks/{id}", h_webhook_get, NULL, "byoc.webhooks.get", DIALECT_BYOC},
    {HTTP_PATCH, BYOC "/webhooks/{id}", h_webhook_update, NULL, "byoc.webhooks.update", DIALECT_BYOC},
    {HTTP_DELETE, BYOC "/webhooks/{id}", h_webhook_delete, NULL, "byoc.webhooks.delete", DIALECT_BYOC},
    {HTTP_POST, BYOC "/webhooks/{id}/rotate-secret", h_webhook_rotate, NULL, "byoc.webhooks.rotate",
     DIALECT_BYOC},
    {HTTP_GET, BYOC "/webhooks/{id}/deliveries", h_webhook_deliveries, NULL,
     "byoc.webhooks.deliveries", DIALECT_BYOC},
    {HTTP_POST, BYOC "/webhooks/{id}/deliveries/{delivery_id}/redeliver", h_webhook_redeliver, NULL,
     "byoc.webhooks.redeliver", DIALECT_BYOC},
    {HTTP_POST, BYOC, h_byoc_number_create, NULL, "byoc.numbers.create", DIALECT_BYOC},
    {HTTP_GET, BYOC, h_byoc_number_list, NULL, "byoc.numbers.list", DIALECT_BYOC},
    {HTTP_GET, BYOC "/{id}", h_byoc_number_get, NULL, "byoc.numbers.get", DIALECT_BYOC},
    {HTTP_DELETE, BYOC "/{id}", h_byoc_number_delete, NULL, "byoc.numbers.delete", DIALECT_BYOC},
};

/* Operations: outside every dialect, for probes and scrapers. */
static const route_t k_ops[] = {
    {HTTP_GET, "/healthz", h_ops_healthz, NULL, "ops.healthz", DIALECT_PLIVO},
    {HTTP_GET, "/readyz", h_ops_readyz, NULL, "ops.readyz", DIALECT_PLIVO},
    {HTTP_GET, "/metrics", h_ops_metrics, NULL, "ops.metrics", DIALECT_PLIVO},
};

static const route_t k_admin[] = {
    {HTTP_POST, "/admin/v1/accounts", h_admin_account_create, NULL, "admin.accounts.create", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/accounts", h_admin_account_list, NULL, "admin.accounts.list", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/registrations", h_admin_registration_list, NULL, "admin.registrations.list",
     DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/events", h_admin_event_list, NULL, "admin.events.list", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/accounts/{auth_id}/api-keys", h_admin_apikey_create, NULL,
     "admin.apikeys.create", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/accounts/{auth_id}/api-keys", h_admin_apikey_list, NULL,
     "admin.apikeys.list", DIALECT_ADMIN},
    {HTTP_DELETE, "/admin/v1/accounts/{auth_id}/api-keys/{key_id}", h_admin_apikey_revoke, NULL,
     "admin.apikeys.revoke", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/webhooks", h_webhook_create, NULL, "admin.webhooks.create", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/webhooks", h_webhook_list, NULL, "admin.webhooks.list", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/webhooks/{id}", h_webhook_get, NULL, "admin.webhooks.get", DIALECT_ADMIN},
    {HTTP_PATCH, "/admin/v1/webhooks/{id}", h_webhook_update, NULL, "admin.webhooks.update", DIALECT_ADMIN},
    {HTTP_DELETE, "/admin/v1/webhooks/{id}", h_webhook_delete, NULL, "admin.webhooks.delete", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/webhooks/{id}/rotate-secret", h_webhook_rotate, NULL, "admin.webhooks.rotate",
     DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/webhooks/{id}/deliveries", h_webhook_deliveries, NULL,
     "admin.webhooks.deliveries", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", h_webhook_redeliver, NULL,
     "admin.webhooks.redeliver", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/accounts/{auth_id}/suspend", h_admin_account_suspend, NULL,
     "admin.accounts.suspend", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/accounts/{auth_id}/resume", h_admin_account_resume, NULL,
     "admin.accounts.resume", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/accounts/{auth_id}/close", h_admin_account_close, NULL,
     "admin.accounts.close", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/accounts/{auth_id}/rotate-token", h_admin_account_rotate_token, NULL,
     "admin.accounts.rotate_token", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/inventory", NULL, &admin_inventory_import_ops, "admin.inventory.import", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/inventory/stats", h_admin_inventory_stats, NULL, "admin.inventory.stats", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/compliance", h_admin_compliance_create, NULL, "admin.compliance.create", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/numbers", h_admin_number_list, NULL, "admin.numbers.list", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/numbers/{number}/approve", h_admin_number_approve, NULL,
     "admin.numbers.approve", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/numbers/{number}/status", h_admin_number_status, NULL,
     "admin.numbers.status", DIALECT_ADMIN},
    {HTTP_POST, "/admin/v1/carriers", h_admin_carrier_create, NULL, "admin.carriers.create", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/carriers", h_admin_carrier_list, NULL, "admin.carriers.list", DIALECT_ADMIN},
    {HTTP_GET, "/admin/v1/carriers/{id}", h_admin_carrier_get, NULL, "admin.carriers.get", DIALECT_ADMIN},
    {HTTP_PATCH, "/admin/v1/carriers/{id}", h_admin_carrier_update, NULL, "admin.carriers.update", DIALECT_ADMIN},
    {HTTP_DELETE, "/admin/v1/carriers/{id}", h_admin_carrier_delete, NULL, "admin.carriers.delete", DIALECT_ADMIN},
    {HTTP_PUT, "/admin/v1/carriers/{id}/health_check", h_admin_health_put, NULL, "admin.carriers.health.put",
     DIALECT_ADMIN},
    {HTTP_DELETE, "/admin/v1/carriers/{id}/health_check", h_admin_health_delete, NULL,
     "admin.carriers.health.delete", DIALECT_ADMIN},
};

/* The SBC's lookups (SIP.md §2-4): their own token; problem+json errors. */
static const route_t k_sbc[] = {
    {HTTP_GET, "/sbc/v1/inbound", h_sbc_inbound, NULL, "sbc.inbound", DIALECT_ADMIN},
    {HTTP_GET, "/sbc/v1/outbound", h_sbc_outbound, NULL, "sbc.outbound", DIALECT_ADMIN},
};

/* The SBC and admin routes come last, so that api_app can leave them out. */
static route_t k_all[ND_ARRAY_LEN(k_meta) + ND_ARRAY_LEN(k_public) + ND_ARRAY_LEN(k_ops) +
                     ND_ARRAY_LEN(k_sbc) + ND_ARRAY_LEN(k_admin)];
/* api_app's selection (a server per process) */
static route_t k_sel[ND_ARRAY_LEN(k_all)];

const route_t *api_all_routes(size_t *n)
{
    size_t o = 0;
    memcpy(k_all + o, k_meta, sizeof k_meta);
    o += ND_ARRAY_LEN(k_meta);
    memcpy(k_all + o, k_public, sizeof k_public);
    o += ND_ARRAY_LEN(k_public);
    memcpy(k_all + o, k_ops, sizeof k_ops);
    o += ND_ARRAY_LEN(k_ops);
    memcpy(k_all + o, k_sbc, sizeof k_sbc);
    o += ND_ARRAY_LEN(k_sbc);
    memcpy(k_all + o, k_admin, sizeof k_admin);
    *n = ND_ARRAY_LEN(k_all);
    return k_all;
}

/* The writer's batches (http_app_t): the core's, on the server's core. */
static int api_batch_begin(void *ud) { return core_batch_begin(&((api_ctx_t *)ud)->core); }

static int api_batch_end(void *ud, void **after)
{
    cerr_t e;
    core_after_t *a = NULL;
    int rc = core_batch_end(&((api_ctx_t *)ud)->core, &a, &e);
    *after = a;
    return rc;
}

static bool api_batch_full(void *ud)
{
    (void)ud;
    return core_batch_full();
}

static void api_thread_done(void *ud)
{
    core_thread_done(&((api_ctx_t *)ud)->core);
}

static int api_batch_durable(void *ud, void *after)
{
    return core_batch_durable(&((api_ctx_t *)ud)->core, after);
}

/* Versions read ahead (http_app_t): for the routes whose answers may be
 * kept, when the cache is on and the version costs a query. */
static bool api_version_wanted(const http_req_t *req)
{
    return (req->route->tag & API_KEPT) != 0;
}

_Static_assert(sizeof(db_version_t) <= HTTP_VERSION_SZ, "a version fits the server's room for it");

static int api_version_read(void *ud, void *out)
{
    db_version_t v;
    if (!core_db_version(&((api_ctx_t *)ud)->core, &v)) return C_ERR;
    memcpy(out, &v, sizeof v);
    return C_OK;
}

static void api_version_give(void *ud, const void *v)
{
    (void)ud;
    db_version_t dv;
    memcpy(&dv, v, sizeof dv);
    core_db_version_give(&dv);
}

/* The end of a request on its thread: what was kept for it goes. */
static void api_request_done(void)
{
    ev_actor_clear();
    core_db_version_give(NULL);
}

/* A batch's commit failed: each of its requests is answered as the fault,
 * in its dialect, whatever its handler had answered. */
static void api_batch_lost(http_req_t *req, http_resp_t *resp)
{
    cerr_t e;
    cerr(&e, CE_UNAVAILABLE, "database unavailable (commit)");
    api_core_error(req, resp, &e);
}

void api_app(api_ctx_t *ctx, http_app_t *out)
{
    memset(out, 0, sizeof *out); /* a member this does not set is NULL */
    size_t n;
    const route_t *all = api_all_routes(&n);
    /* Without an admin token the admin API does not exist (API.md §1),
     * nor the SBC API without an SBC token (SIP.md §2): their paths answer
     * 404 like any unknown path. */
    size_t keep = n - ND_ARRAY_LEN(k_admin) - ND_ARRAY_LEN(k_sbc);
    memcpy(k_sel, all, keep * sizeof *all);
    if (ctx->sbc_enabled) {
        memcpy(k_sel + keep, all + keep, sizeof k_sbc);
        keep += ND_ARRAY_LEN(k_sbc);
    }
    if (ctx->admin_enabled) {
        memcpy(k_sel + keep, all + n - ND_ARRAY_LEN(k_admin), sizeof k_admin);
        keep += ND_ARRAY_LEN(k_admin);
    }
    out->routes = k_sel;
    out->nroutes = keep;
    out->error = api_error;
    /* One id per request: X-Request-Id, the log line, and the api_id of a
     * Plivo body are the same UUID. */
    out->new_request_id = ids_uuid_v4;
    out->request_done = api_request_done;
    if (ctx->answer_cache && core_db_version_queried(&ctx->core)) {
        out->version_wanted = api_version_wanted;
        out->version_read = api_version_read;
        out->version_give = api_version_give;
    }
    bool batches = core_batches(&ctx->core);
    out->batch_begin = batches ? api_batch_begin : NULL;
    out->batch_end = batches ? api_batch_end : NULL;
    out->batch_full = batches ? api_batch_full : NULL;
    out->batch_durable = batches ? api_batch_durable : NULL;
    out->batch_lost = batches ? api_batch_lost : NULL;
    out->thread_done = api_thread_done;
    out->ud = ctx;
}

/* GET /api/v1/...: what districts, regions and schools read (placeholder until the schema lands).
 */
#include "routes.h"

int route_read(struct worker *w, struct evhttp_request *req, const char *path)
{
    (void)w;
    (void)req;
    (void)path;
    return 0;
}

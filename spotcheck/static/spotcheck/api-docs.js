/* Starts Swagger UI on /api/v1/docs (a static file: the Content-Security-Policy forbids inline
   script). The settings come from the page's JSON block; POST requests carry the CSRF token. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var token = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  config.requestInterceptor = function (request) {
    if (token) request.headers["X-CSRFToken"] = token;
    return request;
  };
  window.SwaggerUIBundle(config);
})();

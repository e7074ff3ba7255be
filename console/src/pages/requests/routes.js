// Residents' requests (诉求): the board, intake, one request; and the micro-wish wall.
import RequestDetail from "./RequestDetail.vue";
import RequestNew from "./RequestNew.vue";
import RequestsBoard from "./RequestsBoard.vue";
import WishesWall from "./WishesWall.vue";

export default [
  { path: "/requests", name: "requests", component: RequestsBoard },
  { path: "/requests/new", name: "request-new", component: RequestNew },
  { path: "/requests/:id", name: "request", component: RequestDetail },
  { path: "/wishes", name: "wishes", component: WishesWall },
];

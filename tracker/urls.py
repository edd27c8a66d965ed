from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker.views import auth, board, errors, fhir, journeys, reports, ward

urlpatterns = [
    path("", ward.today, name="today"),
    path("check-in/", ward.check_in, name="check-in"),
    path("journeys/<int:pk>/", journeys.journey_page, name="journey"),
    path("journeys/<int:pk>/start/", journeys.start, name="journey-start"),
    path("journeys/<int:pk>/checklist/", journeys.save_checklist, name="journey-checklist"),
    path("journeys/<int:pk>/rounds/", journeys.record_round, name="journey-round"),
    path(
        "journeys/<int:pk>/rounds/<int:round_pk>/entered-in-error/",
        journeys.round_entered_in_error,
        name="journey-round-error",
    ),
    path("journeys/<int:pk>/rounds/<int:number>/missed/", journeys.mark_round_missed, name="journey-round-missed"),
    path("journeys/<int:pk>/rounds/<int:round_pk>/review/", journeys.news2_review, name="journey-news2-review"),
    path("journeys/<int:pk>/spo2-scale/", journeys.set_spo2_scale, name="journey-spo2-scale"),
    path("journeys/<int:pk>/handovers/", journeys.write_handover, name="journey-handover"),
    path(
        "journeys/<int:pk>/handovers/<int:handover_pk>/acknowledge/",
        journeys.acknowledge_handover,
        name="journey-handover-ack",
    ),
    path("handover-sheet/", journeys.handover_sheet, name="handover-sheet"),
    path("journeys/<int:pk>/red-flags/", journeys.raise_red_flag, name="journey-red-flag"),
    path(
        "journeys/<int:pk>/red-flags/<int:flag_pk>/escalation/",
        journeys.record_escalation,
        name="journey-escalation",
    ),
    path("journeys/<int:pk>/red-flags/<int:flag_pk>/resolve/", journeys.resolve_red_flag, name="journey-resolve"),
    path("journeys/<int:pk>/override/", journeys.override_minimum, name="journey-override"),
    path("journeys/<int:pk>/driver/", journeys.update_driver, name="journey-driver"),
    path("journeys/<int:pk>/booking/", journeys.change_booking, name="journey-booking"),
    path("journeys/<int:pk>/cancel/", journeys.cancel, name="journey-cancel"),
    path("journeys/<int:pk>/did-not-arrive/", journeys.did_not_arrive, name="journey-did-not-arrive"),
    path("journeys/<int:pk>/unplanned-return/", journeys.unplanned_return, name="journey-return"),
    path("journeys/<int:pk>/admit-overnight/", journeys.admit_overnight, name="journey-admit"),
    path("journeys/<int:pk>/discharge-sheet/", journeys.discharge_sheet, name="journey-discharge-sheet"),
    path("journeys/<int:pk>/family-card/", journeys.family_card, name="journey-family-card"),
    path("board/", board.board, name="board"),
    path("board/wall/", board.board_wall, name="board-wall"),
    path("board/rows/", board.board_poll, name="board-poll"),
    path("board/public/", board.public_board, name="board-public"),
    path("board/public/rows/", board.public_poll, name="board-public-poll"),
    path("reports/", reports.reports_page, name="reports"),
    path("reports/download/", reports.reports_csv, name="reports-csv"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/stay/", auth.stay_signed_in, name="stay-signed-in"),
    path("admin/", admin.site.urls),
    path("health/", errors.health, name="health"),
    # Read-only FHIR for the hospital's integration engine: interface tokens only, never a session.
    path("fhir/Encounter", fhir.encounter_search, name="fhir-encounter-search"),
    path("fhir/Encounter/<str:pk>/$everything", fhir.encounter_everything, name="fhir-encounter-everything"),
]

if settings.TRACKER_BENCHMARK:
    from tracker import bench

    urlpatterns.append(path("bench/baseline/", bench.baseline, name="bench-baseline"))

admin.site.site_header = "Spine day unit: pathways and records"
admin.site.site_title = "Spine day unit admin"
